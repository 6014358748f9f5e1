"""Related papers: those sharing the most tasks, datasets and methods with a paper. Deterministic."""

from __future__ import annotations

import heapq
from collections import Counter
from itertools import chain, repeat
from operator import mul, sub

from . import derive
from .catalog import Catalog

WEIGHTS = {"tasks": 3, "datasets": 2, "methods": 1}
POOL = 100  # candidates: the newest POOL papers of each shared task, dataset and method


def _pool(cat: Catalog, kind: str, ref: str) -> list[int]:
    """The newest ``POOL`` papers of a task, dataset or method, as their places in the catalog's
    newest-first order (derive.newest_first): small numbers count and sort faster than ids, in C,
    and no member's year is read again (the pool's deps are those of the order: every year)."""
    def newest() -> list[int]:
        return sorted(map(derive.newest_first(cat).__getitem__, cat.papers_by[kind].get(ref, [])))[:POOL]

    return cat.cached("related_pools", (kind, ref), newest)


def card(cat: Catalog, pid: str) -> tuple[frozenset[str], str, int | None]:
    """A paper as other papers' lists show it, worked out once (a ``cached`` value, so a page notes
    it as one group, not five fields): what it has ("task:<id>", "dataset:<id>", "method:<id>"),
    its title and its year."""
    def make() -> tuple[frozenset[str], str, int | None]:
        paper = cat.records["papers"][pid].model
        return (frozenset(f"{kind[:-1]}:{ref}" for kind in WEIGHTS for ref in getattr(paper, kind)),
                paper.title, paper.year)

    return cat.cached("related_card", pid, make)


def related(cat: Catalog, pid: str, limit: int = 6) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` (paper id, reasons) pairs, best first; ties broken by newer year, then id.

    Candidates are the newest ``POOL`` papers of each task, dataset and method the paper has
    (in a catalog of a few hundred papers, that is all of them), so the work per paper stays
    bounded as the catalog grows; reasons are worked out for the winners only.
    """
    paper = cat.records["papers"][pid].whole()  # its own page shows the whole record anyway
    mine = [(kind, weight, list(dict.fromkeys(getattr(paper, kind)))) for kind, weight in WEIGHTS.items()]
    # each pool counted once per unit of its weight, in a single count (in C), by newest-first place
    scores = Counter(chain.from_iterable(_pool(cat, kind, ref) * weight for kind, weight, refs in mine for ref in refs))
    rank = derive.newest_first(cat)
    n = len(rank)
    scores.pop(rank[pid], None)
    # one number per candidate that orders it as (-score, place) would: score × n − place, in C
    keys = map(sub, map(mul, scores.values(), repeat(n)), scores)
    order = derive.newest_order(cat)
    top = [order[-key % n] for key in heapq.nlargest(limit, keys)]
    shares = [f"{kind[:-1]}:{ref}" for kind, _, refs in mine for ref in refs]
    out = []
    for other in top:
        have = card(cat, other)[0]
        out.append((other, [ref for ref in shares if ref in have]))
    return out
