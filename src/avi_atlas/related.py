"""Related papers: those sharing the most tasks, datasets and methods with a paper. Deterministic."""

from __future__ import annotations

import heapq
from collections import Counter

from .catalog import Catalog

WEIGHTS = {"tasks": 3, "datasets": 2, "methods": 1}


def related(cat: Catalog, pid: str, limit: int = 6) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` (paper id, reasons) pairs, best first; ties broken by newer year, then id.

    Scores are counted with ``Counter.update`` (a C loop), and reasons are worked out for the
    winners only, so a catalog of many thousands of papers stays fast.
    """
    paper = cat.papers[pid]
    scores: Counter[str] = Counter()
    for kind, weight in WEIGHTS.items():
        for ref in dict.fromkeys(getattr(paper, kind)):
            members = cat.papers_by[kind].get(ref, [])
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
