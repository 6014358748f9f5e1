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
    records, out = cat.records["papers"], []
    for other in top:
        theirs = records[other].model  # while a page renders, its reads are noted (tracking.py)
        why: list[str] = []
        for kind, _, refs in mine:
            have = getattr(theirs, kind)  # read once per kind, not once per shared reference
            why += [f"{kind[:-1]}:{ref}" for ref in refs if ref in have]
        out.append((other, why))
    return out
