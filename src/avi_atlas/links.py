"""Links between records, as template helpers bound to one page (its relative root).

Plain Python, not Jinja macros: a page calls these hundreds of times, and a
macro call costs far more than a method call.
"""

from __future__ import annotations

from typing import Callable, Iterable

from markupsafe import Markup, escape

from .catalog import Catalog

NONE = Markup('<span class="none" title="not recorded">—</span>')


class Links:
    def __init__(self, cat: Catalog, rel: Callable[[str], str]) -> None:
        self.cat, self.rel = cat, rel

    def _a(self, href: str, text: str) -> Markup:
        return Markup(f'<a href="{escape(self.rel(href))}">{escape(text)}</a>')

    def paper(self, pid: str) -> Markup:
        p = self.cat.papers.get(pid)
        return self._a(f"papers/{pid}/", p.title) if p else Markup(escape(pid))

    def node(self, tree: str, nid: str) -> Markup:
        n = self.cat.nodes[tree].get(nid)
        return self._a(f"{tree}/{nid}/", n.name) if n else Markup(escape(nid))

    def nodes(self, tree: str, ids: Iterable[str]) -> Markup:
        return Markup(", ").join(self.node(tree, i) for i in ids) or NONE

    def rec(self, kind: str, rid: str) -> Markup:
        if kind == "papers":
            return self.paper(rid)
        m = getattr(self.cat, kind).get(rid)  # the cached, id-sorted mapping of that kind
        return self._a(f"{kind}/{rid}/", m.name) if m else Markup(escape(rid))

    def pillar_class(self, task_id: str) -> str:
        return "pillar-" + (self.cat.pillar(task_id) or "none")
