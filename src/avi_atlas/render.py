"""Plan every page (output path → template + context), then write them all atomically.

Links between pages are relative, so the site works from any sub-path (a GitHub
Pages project site), from a local server, and from ``file://``.  ``base_url``
is used only where an absolute URL is required (the canonical link).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import types
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable

import jinja2
import markupsafe
from markupsafe import Markup

from . import derive, escaping, export, freshness, related, tracking
from .catalog import TREES, Catalog
from .links import Links, comparison_row
from .models.base import is_url
from .issues import BuildError
from .progress import Progress

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from .incremental import Table

MARKER = ".avi-atlas-site"
GROUP_TABLE_ROWS = 100  # rows in the table of a pillar, group or method family
TREE_LABELS = {"tasks": "Tasks", "methods": "Methods", "challenges": "Challenges"}
KIND_LABELS = {"papers": "Papers", "datasets": "Datasets", "benchmarks": "Benchmarks", "metrics": "Metrics"}


@dataclass
class Page:
    """One output file: a template rendered with a context, ``content`` (data files), or a
    ``layout`` of one fragment per record (the data files that hold every record).

    Costly parts are deferred to render time, which runs in worker processes on a large site:
    ``content`` may be a function returning the text, and ``later`` returns more context."""

    path: str  # e.g. "papers/mmaudio/index.html"
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    title: str | Callable[[], str] = ""
    content: str | Callable[[], str] | None = None
    later: Callable[[], dict[str, Any]] | None = None
    #: a data file made of one fragment per record (export.assemble): returns its layout
    layout: Callable[[], list] | None = None
    #: for an update of such a file: (its bytes in the site, checked: OnDisk; what the last build noted; the changed deps)
    splice: tuple | None = None


class _RecordPage(Page):
    """A record's page (one of 11,000 at 10,000 papers, made on every build): its path and template
    at once, its context, title and ``later`` when first asked. An update renders a few record
    pages and only needs the others' paths: making all of them whole took 0.008 s of it."""

    def __init__(self, path: str, template: str, kind: str, rid: str, shared: dict[str, Any]) -> None:
        self.path, self.template, self._of = path, template, (kind, rid, shared)

    def _part(self, name: str) -> Any:
        made = self.__dict__
        if name not in made:
            kind, rid, shared = self._of
            cat = shared["cat"]
            made.setdefault("context", {"id": rid, **shared})
            made.setdefault("title", partial(_record_title, cat, kind, rid))
            made.setdefault("later", partial(LATER[kind], cat, rid))
        return made[name]

    def _set(self, name: str, value: Any) -> None:
        self.__dict__[name] = value  # (``_part`` makes only the parts not set)

    @property  # type: ignore[override]
    def context(self) -> dict[str, Any]:
        return self._part("context")

    @context.setter
    def context(self, value: dict[str, Any]) -> None:
        self._set("context", value)

    @property  # type: ignore[override]
    def title(self) -> str | Callable[[], str]:
        return self._part("title")

    @title.setter
    def title(self, value: str | Callable[[], str]) -> None:
        self._set("title", value)

    @property  # type: ignore[override]
    def later(self) -> Callable[[], dict[str, Any]] | None:
        return self._part("later")

    @later.setter
    def later(self, value: Callable[[], dict[str, Any]] | None) -> None:
        self._set("later", value)


def templates_dir() -> Path:
    """Templates ship inside the wheel (avi_atlas/templates) or sit at the repository root."""
    packaged = Path(str(resources.files("avi_atlas"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


# ---- Markdown ------------------------------------------------------------
def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


@lru_cache(maxsize=1)
def _markdown() -> "MarkdownIt":
    from markdown_it import MarkdownIt  # imported on first use (0.05 s): most texts take the short path

    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.validateLink = _safe_link  # only http(s) links and images survive
    return md


#: what may make Markdown of a text: inline syntax and escapes anywhere, control characters, a
#: blank line, at the start of a line a space (indented code), a block marker or a digit (an
#: ordered list), and at its end a space (a hard break)
_MARKUP = re.compile(r"[\\`*_\[\]<>&!\x00-\x09\x0b-\x1f\x7f]|\n[\n #>+=|~\-\d]| \n")
_BLOCK_START = frozenset(" #>+=|~-0123456789")


def markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    if text == text.strip() and text[0] not in _BLOCK_START and _MARKUP.search(text) is None:
        # one paragraph of plain text, written as markdown-it writes it (a test compares the two):
        # parsing a summary with no Markdown in it was a tenth of a paper page's time
        return Markup("<p>" + text.replace('"', "&quot;") + "</p>\n")
    return Markup(_markdown().render(text))


# ---- Jinja environment -----------------------------------------------------
def _plain(obj: Any) -> bool:
    """Whether Jinja would call ``obj`` with nothing added: a function or method not marked to
    be passed the context or environment (``jinja_pass_arg``, which Jinja's ``pass_context`` and
    kin set on the function), or a built-in (which cannot be marked). The mark is looked for in
    the function's own ``__dict__``, where ``hasattr`` would look too: ``hasattr`` on a bound
    method takes 0.6 µs, as it raises and catches an AttributeError."""
    kind = type(obj)
    if kind is types.MethodType:
        func = obj.__func__
        if type(func) is types.FunctionType:
            return "jinja_pass_arg" not in func.__dict__
        return not hasattr(obj, "jinja_pass_arg")
    if kind is types.FunctionType:
        return "jinja_pass_arg" not in obj.__dict__
    return kind is types.BuiltinFunctionType


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter way to call a plain function or method from a template.

    Every call in a template (``L.nodes(...)``, ``rel(...)``, a row) goes through ``call``, which
    first asks the callable twice whether it wants the context or environment passed in: a tenth
    of a paper page's time. A plain function or method that was not marked for that (no
    ``jinja_pass_arg``, what Jinja's ``pass_context`` and kin set) is called directly, with the
    same arguments Jinja's own path would pass; anything else takes that path."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        if _plain(__obj):
            if kwargs:  # what Jinja adds for its own path only
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja's path does
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Template(jinja2.Template):
    """A template whose ``{{ … }}`` escape through escaping.markup: the same output as
    markupsafe.escape, which Jinja's compiled code calls for each of them, at a third of its cost
    (a tenth of a paper page's time was spent making the ``Markup`` objects it returns).

    The compiled code imports ``escape`` into the namespace it runs in; ``from_code`` (Jinja's
    constructor from compiled code, which its loaders, bytecode cache and ``from_string`` all use)
    points that name at ours. The template's functions, its blocks' and macros' too, read it from
    that namespace."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: types.CodeType, globals: Any,
                  uptodate: Any = None) -> "jinja2.Template":
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escaping.markup
        return template


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The program's templates as compiled code, kept beside the program's own compiled modules
    (``avi_atlas/__pycache__/templates``), as Python keeps those: a template is compiled once, not
    in every run and every worker (Jinja's compiler takes 0.06 s for a paper page's templates).

    Never in the cache folder (cache.cache_dir), which holds plain data only: whoever can write
    this folder can change the program itself, which a cache folder restored on a CI runner does
    not prove. A file is used only for the same template source (its digest, inside the file),
    and the same program (which sets the environment), Jinja and Python (the file's name); one that
    cannot be read is compiled again, and one that cannot be written (a read-only install,
    ``python -B``) is not."""

    def __init__(self, directory: Path, program: str, write: bool):
        super().__init__(str(directory))
        self.program, self.write = program, write

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.program}\0{name}\0{filename}".encode()).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or damaged (Jinja reads its header with pickle): compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.write:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)  # atomically: a temporary file, then a rename
        except OSError:
            pass


def compiled_templates_dir() -> Path:
    return Path(__file__).resolve().parent / "__pycache__" / "templates"


@lru_cache(maxsize=4)
def environment(folder: str) -> jinja2.Environment:
    """The templates in ``folder``; the program's own are compiled once (``_CompiledTemplates``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        auto_reload=False,  # templates are compiled once per build (serve makes a new process state per change)
        cache_size=-1,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.context_class = _Context
    env.template_class = _Template
    env.filters["md"] = markdown
    env.filters["num"] = derive.fmt_number
    env.filters["short"] = derive.short_name
    env.filters["evidence"] = evidence_parts
    if Path(folder).resolve() == templates_dir().resolve():
        # the program sets the environment above, and Jinja's optimizer may run its filters on a constant
        program = f"{freshness.code_digest()} {jinja2.__version__} {sys.version}"
        env.bytecode_cache = _CompiledTemplates(compiled_templates_dir(), program, write=not sys.dont_write_bytecode)
    return env


def url_for(kind: str, rid: str | None = None) -> str:
    """Site-relative directory URL of a page: ``papers/mmaudio/``, ``tasks/``, or ``""`` (home)."""
    if kind == "home":
        return ""
    return f"{kind}/{rid}/" if rid else f"{kind}/"


# ---- planning ----------------------------------------------------------------
def plan(cat: Catalog, base_url: str = "/", repo_url: str = "") -> list[Page]:
    """Every page and data file of the site. Two outputs never share a path.

    Planning reads only which records exist: what a page shows is worked out when it renders
    (``later``, ``content``, a callable ``title``), so that its reads are noted as its deps
    (tracking.py) and a rebuild can render just the pages whose deps changed."""
    shared = {"cat": cat, "base_url": base_url, "repo_url": repo_url.rstrip("/")}  # in every page's context
    head: list[Page] = [Page("index.html", "home.html", {}, "Home", later=partial(_home_context, cat))]
    for tree in TREES:
        head.append(Page(f"{tree}/index.html", "tree_index.html", {"tree": tree}, TREE_LABELS[tree],
                         later=partial(_tree_index_context, cat, tree)))
        for node_id, node in cat.nodes[tree].items():
            head.append(Page(f"{tree}/{node_id}/index.html", "node.html", {},
                             node.name, later=partial(_node_context, cat, tree, node_id)))
            if tree == "tasks":
                head.append(Page(f"tasks/{node_id}/{node_id}.bib", content=partial(_node_bib, cat, node_id)))
    for kind, label in KIND_LABELS.items():
        head.append(Page(f"{kind}/index.html", f"{kind}_index.html", {"kind": kind}, label,
                         later=partial(_index_context, cat, kind)))
    records: dict[int, list[Page]] = {1: [], 2: []}  # record pages by cost class (never heavy)
    for kind, template in (("papers", "paper.html"), ("datasets", "dataset.html"),
                           ("benchmarks", "benchmark.html"), ("metrics", "metric.html")):
        made = records[_cost_class(Page("", template))]
        for rid in sorted(cat.records[kind]):
            made.append(_RecordPage(f"{kind}/{rid}/index.html", template, kind, rid, shared))
    tail = [Page("search/index.html", "search.html", {}, "Search"),
            Page("404.html", "404.html", {"absolute_links": True}, "Not found"), *_data_files(cat, base_url)]
    for page in head + tail:
        page.context.update(shared)
    # heavy pages first, the costliest first; then record pages with tables; then the rest (see _render_next),
    # each class in the order made (as a stable sort of them all by class and rank would put them)
    pages = sorted(_of_class(head, 0) + _of_class(tail, 0), key=_heavy_rank)
    for level in (1, 2):
        pages += _of_class(head, level) + records[level] + _of_class(tail, level)
    paths = [page.path for page in pages]
    if len(set(paths)) != len(paths):
        twice = next(path for path, n in Counter(paths).items() if n > 1)
        raise BuildError(f"two outputs would be written to {twice}")
    return pages


def _of_class(pages: list[Page], level: int) -> list[Page]:
    return [page for page in pages if _cost_class(page) == level]


def _record_title(cat: Catalog, kind: str, rid: str) -> str:
    model = cat.models(kind)[rid]
    return model.title if kind == "papers" else model.name


def _index_context(cat: Catalog, kind: str) -> dict[str, Any]:
    from . import tables  # (pages an update seldom renders: imported when one does)

    models = cat.models(kind)
    if kind == "papers":
        ids = sorted(models, key=lambda p: (-(models[p].year or 0), models[p].title.casefold()))
        rows = tables.comparison(cat, ids)
        return {"ids": ids, "rows": rows, "facets": tables.facets(rows)}
    return {"ids": sorted(models, key=lambda r: models[r].name.casefold())}


def _paper_context(cat: Catalog, pid: str) -> dict[str, Any]:
    return {"paper": cat.records["papers"][pid].whole(), "record": cat.records["papers"][pid],
            "bibtex": derive.paper_bibtex(cat, pid), "results": derive.paper_results(cat, pid),
            "related": related.related(cat, pid)}


def _dataset_context(cat: Catalog, did: str) -> dict[str, Any]:
    from . import tables  # (pages an update seldom renders: imported when one does)

    users = sorted(cat.papers_by["datasets"].get(did, []), key=lambda p: (-(cat.papers[p].year or 0), p))
    return {"dataset": cat.records["datasets"][did].whole(), "record": cat.records["datasets"][did],
            "rows": tables.comparison(cat, users)}


def _benchmark_context(cat: Catalog, bid: str) -> dict[str, Any]:
    return {"bench": cat.records["benchmarks"][bid].whole(), "board": derive.leaderboard(cat, bid),
            "record": cat.records["benchmarks"][bid], "charts": _sota_charts(cat, bid)}


def _metric_context(cat: Catalog, mid: str) -> dict[str, Any]:
    return {"metric": cat.records["metrics"][mid].whole(), "record": cat.records["metrics"][mid]}


LATER = {"papers": _paper_context, "datasets": _dataset_context, "benchmarks": _benchmark_context,
         "metrics": _metric_context}


HEAVY_TEMPLATES = {"node.html", "papers_index.html", "home.html", "tree_index.html"}
#: record pages that show tables shared with the heavy pages (comparison rows, leaderboards)
TABLE_TEMPLATES = {"dataset.html", "benchmark.html"}


#: the costliest heavy pages first: the worker that meets the heavy pages last takes the cheap ones
HEAVY_ORDER = {"papers_index.html": 0, "node.html": 2, "home.html": 4}


def _heavy_rank(page: Page) -> int:
    """Among heavy pages: the index of every paper, data files of a fragment per record, task
    pages, other data files (BibTeX bundles, CSV), the home page, then the rest."""
    if page.layout is not None:
        return 1
    if page.content is not None:
        return 3
    return HEAVY_ORDER.get(page.template, 5)


def _cost_class(page: Page) -> int:
    """0: a heavy page or data file (from a few to a few thousand milliseconds each at 10,000
    papers); 1: a record page that shows tables the heavy pages also show; 2: any other page
    (about a millisecond)."""
    if page.content is not None or page.layout is not None or page.template in HEAVY_TEMPLATES:
        return 0
    return 1 if page.template in TABLE_TEMPLATES else 2


def _node_bib(cat: Catalog, nid: str) -> str:
    return export.bibtex_bundle(cat, cat.papers_under("tasks", nid))  # in id order


#: the data files laid out as one fragment per record (export.Run), which an update patches (OnDisk)
ASSEMBLED = ("data/catalog.json", "data/catalog.bib", "data/papers.csv")


def _data_files(cat: Catalog, base_url: str) -> list[Page]:
    files = [Page("data/catalog.json", layout=partial(export.catalog_json_layout, cat)),
             Page("data/catalog.bib", layout=partial(_all_bibtex, cat)),
             Page("feed.xml", content=partial(export.atom_feed, cat, base_url))]
    files += [Page(f"data/{name}", layout=partial(export.papers_csv_layout, cat)) if name == "papers.csv"
              else Page(f"data/{name}", content=partial(export.csv_file, cat, name)) for name in export.CSV_FILES]
    files += [Page(f"data/schema/{name}", content=partial(export.json_schema, name)) for name in export.SCHEMA_FILES]
    files.append(Page("data/index.html", "data.html", {"files": [f.path[5:] for f in files if f.path.startswith("data/")]},
                      "Data and exports"))
    return files


def _all_bibtex(cat: Catalog) -> list:
    return export.bibtex_layout(cat, list(cat.papers))


def _tree_view(cat: Catalog) -> dict[str, list[dict]]:
    """Each tree as nested dicts {id, node, counts, children} from its roots down (made once)."""
    return cat.cached("tree_view", None, partial(_make_tree_view, cat))


def _tree_index_context(cat: Catalog, tree: str) -> dict[str, Any]:
    return {"view": _tree_view(cat)[tree]}


def _make_tree_view(cat: Catalog) -> dict[str, list[dict]]:

    def view(tree: str, nid: str) -> dict:
        return {
            "id": nid,
            "node": cat.nodes[tree][nid],
            "counts": derive.node_counts(cat, tree, nid),
            "children": [view(tree, c) for c in cat.children[tree].get(nid, [])],
        }

    return {tree: [view(tree, r) for r in cat.roots(tree)] for tree in TREES}


def _home_context(cat: Catalog) -> dict[str, Any]:
    from . import charts  # (pages an update seldom renders: imported when one does)

    trees = _tree_view(cat)
    pillars = cat.roots("tasks")
    by_pillar = {p: cat.papers_under("tasks", p) for p in pillars}
    year = derive.years(cat)
    per_year = {p: Counter(map(year.__getitem__, by_pillar[p])) for p in pillars}
    years = sorted({y for counts in per_year.values() for y in counts if y})
    span = list(range(years[0], years[-1] + 1)) if years else []
    series = {p: [per_year[p][y] for y in span] for p in pillars}
    chart = charts.stacked_bars("pillar-years", "Papers per year, by pillar", [str(y) for y in span], series)
    recent = []
    for kind in ("papers", "datasets", "benchmarks", "metrics"):
        for rid, model in cat.models(kind).items():
            if model.added:
                recent.append((model.added, kind, rid))
    recent.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return {"trees": trees, "chart": chart, "span": span, "series": series, "recent": recent[:12]}


def _node_context(cat: Catalog, tree: str, nid: str) -> dict[str, Any]:
    from . import charts, tables  # (pages an update seldom renders: imported when one does)

    papers = sorted(cat.papers_under(tree, nid), key=derive.newest_first(cat).__getitem__)
    ids = [nid, *cat.descendants(tree, nid)]
    # a group or pillar lists its newest papers; its leaves list all of theirs
    shown = papers if not cat.children[tree].get(nid) else papers[:GROUP_TABLE_ROWS]
    rows = tables.comparison(cat, shown)
    years = derive.year_histogram(cat, papers)
    ctx: dict[str, Any] = {
        "tree": tree, "id": nid, "node": cat.nodes[tree][nid],
        "ancestors": cat.ancestors(tree, nid),
        "kids": cat.children[tree].get(nid, []),
        "papers": papers, "rows": rows, "facets": tables.facets(rows), "shown": len(shown),
        "counts": derive.node_counts(cat, tree, nid),
        "years": years,
        "year_chart": charts.stacked_bars(f"years-{nid}", f"Papers per year: {cat.nodes[tree][nid].name}",
                                          [str(y) for y, _ in years], {"papers": [n for _, n in years]}),
        "datasets": sorted({d for i in ids for d in cat.datasets_by_task.get(i, [])}) if tree == "tasks" else [],
        "benchmarks": sorted({b for i in ids for b in cat.benchmarks_by["tasks"].get(i, [])}) if tree == "tasks" else [],
        "by_task": {},
    }
    ctx["boards"] = {b: derive.leaderboard(cat, b) for b in ctx["benchmarks"]}
    if tree == "challenges":
        groups: dict[str, list[str]] = {}
        for pid in papers:
            for t in cat.papers[pid].tasks or ["(no task)"]:
                groups.setdefault(t, []).append(pid)
        ctx["by_task"] = dict(sorted(groups.items()))
    return ctx


def _sota_charts(cat: Catalog, bid: str) -> list[dict]:
    from . import charts  # (pages an update seldom renders: imported when one does)

    out = []
    for metric in derive.leaderboard(cat, bid).metrics:
        points, steps = derive.sota(cat, bid, metric)
        if len(points) < 2 or metric not in cat.metrics:
            continue
        m = cat.metrics[metric]
        label = m.abbreviation or m.name
        out.append({"metric": metric, "steps": steps, "svg": charts.step_chart(
            f"sota-{metric}", f"State of the art over time: {label}", points, steps, m.higher_is_better,
            f" {m.unit}" if m.unit and m.unit != "%" else (m.unit or ""))})
    return out


# ---- writing -----------------------------------------------------------------
def evidence_parts(text: str) -> tuple[str | None, str]:
    """'https://x.org/p (what it showed)' → ('https://x.org/p', '(what it showed)'): a leading
    http(s) URL to link, and the rest as plain text. No leading URL → (None, text)."""
    head, _, rest = text.strip().partition(" ")
    if is_url(head):
        return head, rest.strip()
    return None, text


@dataclass
class Rendered:
    """What rendering noted for the incremental state (incremental.State): the deps of each page,
    interned (one table per process; per page its table and indices), what each assembled data
    file's next update needs (``spliced``), the ``cached`` values worked out, with their deps
    (``memo``, Catalog.worked_out), and the deps of the groups the pages noted (``groups``, interned
    like a page's: see tracking.py)."""

    tables: list[Table]
    pages: dict[str, tuple[int, bytes]]
    spliced: dict[str, tuple]
    memo: dict[tuple, tuple]
    sizes: dict[str, int] = field(default_factory=dict)  # bytes written, per page (for the manifest)
    groups: dict[tuple, tuple[int, bytes]] = field(default_factory=dict)


def _catalog_of(pages: list[Page]) -> Catalog | None:
    """The catalog the pages are made from (a templated page's context holds it), if any."""
    return next((p.context["cat"] for p in pages if p.content is None and "cat" in p.context), None)


class _Renderer:
    """Templates compiled once, for one catalog."""

    def __init__(self, pages: list[Page], folder: Path | None):
        self.env = environment(str(folder or templates_dir()))
        cat = _catalog_of(pages)
        self.cat = cat
        self.env.globals["as_of"] = derive.as_of(cat) if cat is not None else None

    def render(self, page: Page) -> tuple[str | tuple, frozenset, tuple | None]:
        """The page's text (for a data file made of fragments: its bytes, in parts, see
        export.Assembled), what it read (its deps, tracking.py), and for a data file made of
        fragments what an update of it needs (``spliced``)."""
        if page.layout is not None:
            previous = _previous(page.splice) if page.splice is not None else None
            with tracking.everything():  # its fragments note their own reads (export.assemble)
                made = export.assemble(page.layout(), previous)
            return made.parts, made.deps(), spliced(made)
        with tracking.tracked() as deps:
            text = _render_one(page, self.env)
        return text, frozenset(deps), None


def spliced(made: "export.Assembled") -> tuple:
    """What the next update of an assembled data file needs: its signature in the site (None here:
    taken once it is in place, ``signed``), its fragments' keys and spans, their shared deps, and its
    skeleton (export.skeleton)."""
    return (None, made.keys, made.spans.tobytes(), made.shared, made.skeleton)


def file_signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """A data file's signature: its signature as the record cache takes it (freshness.signature:
    size, modification time, inode) and its change time (ns). Writing to the file changes its
    times, replacing it its inode; and the change time is the kernel's, which no program can set.
    An update takes the file on disk only if it still has the signature noted once the last
    build put it in place (``signed``, ``OnDisk``). Before, that was a SHA-256 of its bytes: 20 MB
    hashed twice in every update at 10,000 papers. (A write in the same tick of the clock as the
    build's last look, leaving the size as it was, could go unseen: only a program writing into the
    site while the build runs could do it.)"""
    return freshness.signature(st) + (st.st_ctime_ns,)


def signed(site: Path, splices: dict[str, tuple]) -> None:
    """Note in each data file's ``spliced`` notes its signature, now that it is in ``site``, where
    the next update finds it (a move changes the change time: the signature is taken after it)."""
    for path, notes in splices.items():
        try:
            sig = file_signature(os.stat(site / path))
        except OSError:
            sig = None  # never matches: made again whole
        splices[path] = (sig,) + notes[1:]


def _previous(splice: tuple) -> "export.Previous | None":
    """For an update of an assembled data file: its bytes on disk, checked (``OnDisk``), and what the
    last build noted of it (export.Previous), unless what its fragments shared changed. Its
    changed records are those with a change to any field (tracking.matches)."""
    data, (_, keys, raw, shared, shape), hit = splice
    if not shared.isdisjoint(hit):
        return None
    spans = array("Q")
    spans.frombytes(raw)
    changed = {(dep[1], dep[2]) for dep in hit if len(dep) == 4 and dep[0] == "f" and dep[2] is not None and dep[3] == "*"}
    return export.Previous(data, keys, spans, shared, shape, changed)


class OnDisk:
    """The data files an update may patch (``ASSEMBLED``), read from the site in a thread, each with
    its signature (``file_signature``) before and after the read. Reading lets go of the GIL, so the
    thread runs on another core while the build validates (it knows which files the last build
    noted, in its state, only later: incremental.load).

    ``wait(noted)`` gives path → bytes of each file that is the one the last build wrote (the
    signature in its ``spliced`` notes, unchanged while it was read); any other (edited, gone,
    unreadable) is made again whole. Waited for before rendering, so no thread is left when worker
    processes fork."""

    def __init__(self, site: Path, paths: Iterable[str] = ()) -> None:
        self._todo = [(path, site / path) for path in paths]
        self._read: dict[str, tuple[bytes, tuple]] = {}  # path → (bytes, signature)
        self._thread = threading.Thread(target=self._run, name="avi-atlas data files", daemon=True) if self._todo else None
        if self._thread is not None:  # (a full build reads none: no thread)
            self._thread.start()

    def _run(self) -> None:
        for path, live in self._todo:
            try:
                with open(live, "rb") as f:
                    before = file_signature(os.fstat(f.fileno()))
                    data = f.read()
                    after = file_signature(os.fstat(f.fileno()))
            except OSError:
                continue
            if before == after:
                self._read[path] = (data, before)

    def wait(self, noted: dict[str, tuple] | None = None) -> dict[str, bytes]:
        if self._thread is not None:
            self._thread.join()
        if not noted:
            return {}
        return {path: data for path, (data, sig) in self._read.items() if path in noted and noted[path][0] == sig}


class _Spool:
    """The data files one process renders (an update's catalog.json, catalog.bib, papers.csv: 20 MB
    at 10,000 papers), each written in a thread while the process renders the next page: writing
    lets go of the GIL. Each file's blocks are reserved before it is written (``_Writer.write``,
    ``allocate``). ``done()`` waits for the thread: before the files are moved in, and before a
    worker could fork."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer
        self._todo: queue.SimpleQueue = queue.SimpleQueue()  # (path, bytes); None: no more
        self._done: dict[str, int] = {}
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def put(self, path: str, data: bytes | tuple) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="avi-atlas data files out", daemon=True)
            self._thread.start()
        self._todo.put((path, data))

    def _run(self) -> None:
        while (job := self._todo.get()) is not None:
            path, data = job
            try:
                self._done[path] = self._writer.write(path, data, allocate=True)
            except BaseException as exc:  # noqa: BLE001 - raised again by done(), in the build's thread
                self._error = self._error or exc

    def close(self) -> None:
        """Wait for the files put to be written (or to fail), and end the thread."""
        if self._thread is not None and self._thread.is_alive():
            self._todo.put(None)
            self._thread.join()

    def done(self) -> dict[str, int]:
        """path → size of every file put; raises what writing one raised."""
        self.close()
        if self._error is not None:
            raise self._error
        return self._done


#: below this many pages one process renders them all; above, worker processes share the work
PARALLEL_MIN_PAGES = 500
CHUNK = 64  # light pages per task; a heavy page is a task of its own
_WORK: tuple[list[Page], Path | None, Path, list[tuple[int, int]], Any] | None = None  # set before the workers fork
_WORKER: _Renderer | None = None


def chunks(pages: list[Page]) -> list[tuple[int, int]]:
    """(start, end) ranges of ``pages`` (sorted by ``_cost_class``): one per heavy page, CHUNK
    light pages each after them."""
    out, i = [], 0
    while i < len(pages) and _cost_class(pages[i]) == 0:
        out.append((i, i + 1))
        i += 1
    out += [(j, min(j + CHUNK, len(pages))) for j in range(i, len(pages), CHUNK)]
    return out


def jobs_for(n_pages: int) -> int:
    """Worker processes for ``n_pages``: one per core (at most 8) where fork is available and safe."""
    import threading

    if n_pages < PARALLEL_MIN_PAGES or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


class _Writer:
    """Writes pages under ``root`` (UTF-8, as is: no newline translation), each folder made once,
    with plain os calls: about half the time a pathlib write took per page (the workers' 2.1 s of
    writing at 11,000 pages became 1.4 s)."""

    def __init__(self, root: Path) -> None:
        self.root, self.made = os.fspath(root), set()

    def write(self, rel_path: str, text: str | bytes | tuple, allocate: bool = False) -> int:
        """Write a page (text, bytes, or bytes in parts: export.Assembled); the number of bytes
        written. ``allocate``: reserve the file's blocks first (posix_fallocate), for a file an
        update will move over the one in the site. ext4 places a file's blocks only when it writes
        it out, unless a rename replaces another file with it: then it writes it out at once, on
        the build's thread, which waited for the disk (12 MB, catalog.json at 10,000 papers: 8-15
        ms, against 1-5 ms with the blocks reserved, measured while the disk was busy writing out
        another 120 MB). Starting the writeback beforehand (posix_fadvise) waited for the disk as
        long (5-38 ms)."""
        target = f"{self.root}/{rel_path}"
        folder = target.rpartition("/")[0]
        if folder not in self.made:
            try:  # a page's own folder, in one made already (os.makedirs would stat the parent first)
                os.mkdir(folder)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass
            self.made.add(folder)
        parts = text if isinstance(text, tuple) else (text if isinstance(text, bytes) else text.encode("utf-8"),)
        views = [memoryview(part) for part in parts]
        size = sum(map(len, views))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            if allocate and size and hasattr(os, "posix_fallocate"):
                try:
                    os.posix_fallocate(fd, 0, size)
                except OSError:
                    pass  # only a help, which some file systems refuse
            for view in views:
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return size


_INTERNER = None  # a worker's dep table (incremental.Interner)
_WRITER: _Writer | None = None
_GROUPS_SENT = 0  # how many of the catalog's groups a worker has sent
_FIRST = False  # the worker that takes chunks from the front


def _start_worker() -> None:
    """A worker's start: the first one to start takes chunks from the front (``_render_next``)."""
    global _FIRST
    assert _WORK is not None
    ends = _WORK[-1]
    with ends.get_lock():
        _FIRST, ends[2] = ends[2] == 0, ends[2] + 1


def _render_next(_: int) -> tuple[int, tuple[bytes, bytes], list[tuple[str, bytes, tuple | None]], dict, list]:
    """In a worker: take the next chunk of pages and render it into the temporary site. Returns the
    worker's pid, the deps it met for the first time (a chunk of its table: incremental.pack),
    each page's deps as indices into its table (and what an assembled data file's update needs),
    the cached values it worked out since last time, and the groups it defined since last time
    (with their deps as indices).

    The first worker takes chunks from the front (heavy pages, then record pages with tables),
    the others from the back (paper pages), until they meet. So the catalog-wide values the heavy
    pages share are worked out in one process, not in each: at 10,000 papers on two cores, the
    second worker no longer makes the 10,000 comparison rows and their headlines (about 1.5 s of
    CPU time, a twentieth of the build's)."""
    global _WORKER, _INTERNER, _WRITER, _GROUPS_SENT
    assert _WORK is not None
    pages, folder, root, spans, ends = _WORK
    if _WORKER is None:
        from .incremental import Interner

        _WORKER, _INTERNER, _WRITER = _Renderer(pages, folder), Interner(), _Writer(root)
    with ends.get_lock():  # [next from the front, next from the back, workers]; a call takes one chunk
        if _FIRST:
            which = ends[0]
            ends[0] += 1
        else:
            which = ends[1]
            ends[1] -= 1
    start, end = spans[which]
    done = []
    for page in pages[start:end]:
        text, deps, splice = _WORKER.render(page)
        size = _WRITER.write(page.path, text)
        done.append((page.path, _INTERNER.ids(deps), splice, size))
    memo, groups = {}, []
    if _WORKER.cat is not None:
        fresh = _WORKER.cat.groups(_GROUPS_SENT)  # those the parent defined before the fork too
        _GROUPS_SENT += len(fresh)
        memo = _WORKER.cat.worked_out(fresh)
        groups = [(dep, _INTERNER.ids(own)) for dep, own in fresh]
    return os.getpid(), _INTERNER.new(), done, memo, groups


def render_into(root: Path, pages: list[Page], folder: Path | None = None, progress: Progress = Progress(),
                jobs: int | None = None) -> Rendered:
    """Render every page and write it under ``root``, in worker processes when that pays. Returns
    what the incremental state needs (``Rendered``). Raises BuildError on a template error (in
    any worker)."""
    from .incremental import Interner, Table

    jobs = jobs_for(len(pages)) if jobs is None else jobs
    with progress.task("rendering", len(pages)) as advance:
        splices: dict[str, tuple] = {}
        sizes: dict[str, int] = {}
        if jobs <= 1:
            renderer, interner, writer, deps = _Renderer(pages, folder), Interner(), _Writer(root), {}
            spool = _Spool(writer)
            try:
                for page in pages:
                    text, page_deps, splice = renderer.render(page)
                    deps[page.path] = (0, interner.ids(page_deps))
                    if splice is not None:  # a data file: written in a thread
                        splices[page.path] = splice
                        spool.put(page.path, text)  # type: ignore[arg-type]
                    else:
                        sizes[page.path] = writer.write(page.path, text)
                    advance()
            except BaseException:
                spool.close()  # no thread left behind (what it wrote is in the stage, thrown away with it)
                raise
            sizes.update(spool.done())
            memo, groups = {}, {}
            if renderer.cat is not None:
                made = renderer.cat.groups()
                memo = renderer.cat.worked_out(made)
                groups = {dep: (0, interner.ids(own)) for dep, own in made}
            return Rendered([interner.table()], deps, splices, memo, sizes, groups)
        import multiprocessing

        global _WORK
        context = multiprocessing.get_context("fork")
        cat = _catalog_of(pages)
        if cat is not None:  # made once, before the fork, and shared: each worker would make most of them
            cat.build_all()
        spans = chunks(pages)
        _WORK = (pages, folder, root, spans, context.Array("q", [0, len(spans) - 1, 0]))
        tables: dict[int, list[tuple[bytes, bytes]]] = {}  # per worker, its table's chunks (incremental.pack)
        raw: dict[str, tuple[int, bytes]] = {}
        memo: dict[tuple, tuple] = {}
        defined: dict[tuple, tuple[int, bytes]] = {}
        try:
            with context.Pool(jobs, initializer=_start_worker) as pool:  # a call per chunk
                for pid, new, done, worked, groups in pool.imap_unordered(_render_next, range(len(spans))):
                    tables.setdefault(pid, []).append(new)
                    memo.update(worked)
                    defined.update((dep, (pid, ids)) for dep, ids in groups)
                    for path, ids, splice, size in done:
                        sizes[path] = size
                        raw[path] = (pid, ids)
                        if splice is not None:
                            splices[path] = splice
                    advance(len(done))
        finally:
            _WORK = None
    number = {pid: i for i, pid in enumerate(tables)}
    return Rendered([Table.joined(chunks) for chunks in tables.values()],
                    {path: (number[pid], ids) for path, (pid, ids) in raw.items()}, splices, memo, sizes,
                    {dep: (number[pid], ids) for dep, (pid, ids) in defined.items()})


ROOT_MARK = "\x00root\x00"  # where a comparison row's links start (see _row_parts)


def _row_parts(row: Any, cat: Catalog) -> list[str] | None:
    """A comparison row rendered once for every page (a ``cached`` value, so pages note it as one
    group): its text split where a link starts, or None if the row's own text holds the mark (then
    each page renders it)."""
    targets = []

    def marked(target: str) -> str:
        targets.append(target)
        return ROOT_MARK + target

    parts = comparison_row(row, cat, marked).split(ROOT_MARK)
    if len(parts) != len(targets) + 1 or not all(targets):  # an empty target would be "./" at the top
        return None
    return parts


def _render_one(page: Page, env: jinja2.Environment) -> str:
    if page.content is not None:
        return page.content() if callable(page.content) else page.content
    if page.context.get("absolute_links"):  # e.g. 404.html, served at any path
        root = page.context["base_url"].rstrip("/") + "/"
    else:
        root = "../" * page.path.count("/")

    def rel(target: str, _root: str = root) -> str:
        return (_root + target) or "./"

    def compare_row(row, _root: str = root) -> Markup:
        # a paper's row is rendered once, its links from a mark that each page replaces by its root
        cat = page.context["cat"]
        parts = cat.cached("row", row.id, partial(_row_parts, row, cat))
        if parts is None:  # the row's own text holds the mark: render it for this depth
            return Markup(comparison_row(row, cat, rel))
        return Markup(_root.join(parts))

    try:
        template = env.get_template(page.template)
        context = page.context | page.later() if page.later else page.context
        if callable(page.title):
            page.title = page.title()
        return template.render(page=page, rel=rel, url_for=url_for, root=root or "./",
                               compare_row=compare_row, L=Links(page.context["cat"], rel), **context)
    except jinja2.TemplateError as exc:
        raise BuildError(f"template {page.template} failed for {page.path}: {exc}") from exc


def write(pages: list[Page], out: Path, folder: Path | None = None, search: bool = False,
          progress: Progress = Progress(), inputs: str = "", build: str = "") -> Rendered:
    """Render every page into a fresh folder (in worker processes on a large site), then swap it in place of ``out``.

    A build that fails (or is killed) before the swap leaves the previous site
    untouched.  An existing ``out`` that was not written by avi-atlas is never
    replaced.
    """
    folder = folder or templates_dir()
    out = out.resolve()
    if out.exists() and not _is_ours(out):
        raise BuildError(f"refusing to replace '{out}': it exists and was not built by avi-atlas "
                         f"(no {MARKER} file); choose another --out or empty it")
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    old_umask = os.umask(0o022)  # everything is created world-readable (files 0644, folders 0755)
    try:
        deps = render_into(tmp, pages, folder, progress)
        static = folder / "static"
        if static.is_dir():
            shutil.copytree(static, tmp / "static")
        if search:
            index_search(tmp)
        (tmp / MARKER).write_text("built by avi-atlas; this folder is replaced on every build\n")
        if inputs:  # the pages' sizes as written (no walk of 11,000 folders), and the other files'
            files = {**deps.sizes, MARKER: (tmp / MARKER).stat().st_size,
                     **freshness.sizes_under(tmp / "static", "static/"), **freshness.sizes_under(tmp / "pagefind", "pagefind/")}
            (tmp / freshness.MANIFEST).write_text(freshness.manifest(inputs, build, files))
        os.chmod(tmp, 0o755)  # mkdtemp made it private
        if (tmp / "static").is_dir():  # copied with the modes of the checkout
            _world_readable(tmp / "static")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.umask(old_umask)
    signed(out, deps.spliced)
    return deps


def update(pages: list[Page], gone: set[str], out: Path, files: dict[str, int], folder: Path | None = None,
           search: bool = False, progress: Progress = Progress(), inputs: str = "", build: str = "") -> Rendered:
    """Render ``pages`` (the stale ones, see incremental.py) and put them into the existing site,
    deleting the pages in ``gone``; ``files`` is the file list of the site's manifest.
    The pages are staged beside the site, then moved in under a journal: a build killed before
    the journal is written leaves the previous site untouched; one killed after it is finished by
    the next run (``recover``). Returns what rendering noted."""
    folder = folder or templates_dir()
    out = out.resolve()
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.stage-{os.getpid()}-", dir=out.parent))
    old_umask = os.umask(0o022)
    try:
        deps = render_into(stage, pages, folder, progress)
        sizes = dict(files)
        sizes.update(deps.sizes)
        for path in gone:
            sizes.pop(path, None)
        if search:  # Pagefind reads the whole site: index it as it will be, into the stage
            index_search(stage, pages=out, moved=[p.path for p in pages], gone=gone)
            sizes = {k: v for k, v in sizes.items() if not k.startswith("pagefind/")}
            sizes.update(freshness.sizes_under(stage / "pagefind", "pagefind/"))
        (stage / freshness.MANIFEST).write_text(freshness.manifest(inputs, build, sizes))
        moves = [p.path for p in pages] + ([JOURNAL_TREE + "pagefind"] if search else []) + [freshness.MANIFEST]
        journal = out.parent / f".{out.name}.journal-{os.getpid()}"
        tmp = journal.with_name(journal.name + ".tmp")
        tmp.write_text(json.dumps({"stage": stage.name, "moves": moves, "deletes": sorted(gone)}))
        os.replace(tmp, journal)  # the commit point: from here on the new site is what counts
        _roll_forward(out, stage, json.loads(journal.read_text()))
        os.unlink(journal)
        signed(out, deps.spliced)
    except BaseException:
        if not (out.parent / f".{out.name}.journal-{os.getpid()}").exists():  # not committed
            shutil.rmtree(stage, ignore_errors=True)
        raise  # committed: the next build's recover() finishes the move from the stage
    finally:
        os.umask(old_umask)
    shutil.rmtree(stage, ignore_errors=True)
    return deps


JOURNAL_TREE = "tree:"  # a journal move of a whole folder (the search index), swapped in one rename


def _roll_forward(out: Path, stage: Path, journal: dict) -> None:
    """Move the staged files into the site and delete the gone ones. Safe to run again."""
    for rel in journal["moves"]:
        if rel.startswith(JOURNAL_TREE):  # the old folder goes into the stage, the new one in its place
            rel = rel[len(JOURNAL_TREE):]
            if (stage / rel).is_dir():  # not moved yet (a second run finds it gone and does nothing)
                if (out / rel).exists():
                    os.replace(out / rel, stage / (rel + ".old"))
                os.replace(stage / rel, out / rel)
            continue
        source = stage / rel
        if source.is_file():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out / rel)
    for rel in journal["deletes"]:
        target = out / rel
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def index_search(site: Path, pages: Path | None = None, moved: list[str] = (), gone: set[str] = frozenset()) -> None:
    """Build the Pagefind index (site/pagefind/) over the pages' ``data-pagefind-body``.

    For an update, ``pages`` is the live site and ``site`` the stage holding the ``moved`` pages:
    the index is made over the site as it will be (a linked copy: live pages, staged ones in
    their place, ``gone`` ones left out) and written to ``site``/pagefind."""
    try:
        import pagefind  # noqa: F401  (the pagefind[bin] package brings the binary)
    except ImportError as exc:
        raise BuildError("search needs the pagefind package: pip install 'pagefind[bin]' "
                         "(or build with --no-search)") from exc
    source = site
    if pages is not None:
        source = site / ".whole"
        staged = set(moved)
        for rel, _ in freshness.walk(pages):
            if rel in gone or rel in staged or rel.startswith("pagefind/") or not rel.endswith(".html"):
                continue
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(pages / rel, source / rel)
        for rel in staged:
            if rel.endswith(".html"):
                (source / rel).parent.mkdir(parents=True, exist_ok=True)
                os.link(site / rel, source / rel)
    run = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(source), "--output-path",
                          str(site / "pagefind"), "--silent"], capture_output=True, text=True)
    if pages is not None:
        shutil.rmtree(source, ignore_errors=True)
    if run.returncode != 0 or not (site / "pagefind" / "pagefind.js").is_file():
        raise BuildError(f"pagefind failed ({run.returncode}): {(run.stderr or run.stdout).strip()[:500]}")


def _is_ours(out: Path) -> bool:
    return out.is_dir() and ((out / MARKER).is_file() or not any(out.iterdir()))


def _world_readable(folder: Path) -> None:
    os.chmod(folder, 0o755)
    for dirpath, dirnames, filenames in os.walk(folder):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out`` so that a reader, or a kill at any instant, sees either the whole
    old site or the whole new one. On Linux one renameat2(RENAME_EXCHANGE) call swaps the two folders;
    elsewhere two renames leave a window, which the next build repairs (see recover)."""
    if out.exists() and _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old site
        return
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    return False  # e.g. EINVAL on a file system without exchange support: fall back


def recover(out: Path) -> bool:
    """Clean up after a build that was killed: finish an update whose journal was written (see
    ``update``), restore a site caught between the two renames of the fallback swap, and delete
    temporary folders whose build process is gone. True if the site itself was changed."""
    changed = False
    for journal in sorted(out.parent.glob(f".{out.name}.journal-*")):
        pid = journal.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            entry = json.loads(journal.read_text())
        except (OSError, ValueError):
            journal.unlink(missing_ok=True)  # never committed (a torn write is only ever the .tmp)
            continue
        old_umask = os.umask(0o022)  # folders it makes are world-readable, as in a build
        try:
            _roll_forward(out, out.parent / entry["stage"], entry)
        finally:
            os.umask(old_umask)
        journal.unlink()
        changed = True
    for leftover in sorted(out.parent.glob(f".{out.name}.*-*")):
        kind, _, rest = leftover.name[len(out.name) + 2:].partition("-")
        pid = rest.split("-")[0]
        if kind == "journal" and leftover.name.endswith(".tmp") and pid.split(".")[0].isdigit() \
                and not _alive(int(pid.split(".")[0])):
            leftover.unlink(missing_ok=True)  # a journal never committed
            continue
        if kind not in ("tmp", "old", "stage") or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == "old" and not out.exists() and (leftover / MARKER).is_file():
            os.replace(leftover, out)
            changed = True
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    return changed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
