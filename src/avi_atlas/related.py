"""Related papers: those sharing the most tasks, datasets and methods with a paper. Deterministic."""

from __future__ import annotations

import heapq
from collections import Counter

from .catalog import Catalog

WEIGHTS = {"tasks": 3, "datasets": 2, "methods": 1}
POOL = 100  # candidates: the newest POOL papers of each shared task, dataset and method


def _pool(cat: Catalog, kind: str, ref: str) -> list[str]:
    cache = cat.__dict__.setdefault("_related_pools", {})
    key = (kind, ref)
    if key not in cache:
        members = cat.papers_by[kind].get(ref, [])
        cache[key] = sorted(members, key=lambda o: (-(cat.papers[o].year or 0), o))[:POOL]
    return cache[key]


def related(cat: Catalog, pid: str, limit: int = 6) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` (paper id, reasons) pairs, best first; ties broken by newer year, then id.

    Candidates are the newest ``POOL`` papers of each task, dataset and method the paper has
    (in a catalog of a few hundred papers, that is all of them), so the work per paper stays
    bounded as the catalog grows; reasons are worked out for the winners only.
    """
    paper = cat.papers[pid]
    scores: Counter[str] = Counter()
    for kind, weight in WEIGHTS.items():
        for ref in dict.fromkeys(getattr(paper, kind)):
            members = _pool(cat, kind, ref)
            for _ in range(weight):
                scores.update(members)
    scores.pop(pid, None)
    top = heapq.nsmallest(limit, scores, key=lambda o: (-scores[o], -(cat.papers[o].year or 0), o))
    out = []
    for other in top:
        theirs = cat.papers[other]
        why = [f"{kind[:-1]}:{ref}" for kind in WEIGHTS for ref in dict.fromkeys(getattr(paper, kind))
               if ref in getattr(theirs, kind)]
        out.append((other, why))
    return out
