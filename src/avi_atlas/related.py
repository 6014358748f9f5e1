"""Related papers: those sharing the most tasks, datasets and methods with a paper. Deterministic."""

from __future__ import annotations

from collections import Counter

from .catalog import Catalog

WEIGHTS = {"tasks": 3, "datasets": 2, "methods": 1}


def related(cat: Catalog, pid: str, limit: int = 6) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` (paper id, reasons) pairs, best first; ties broken by newer year, then id."""
    paper = cat.papers[pid]
    scores: Counter[str] = Counter()
    reasons: dict[str, list[str]] = {}
    for kind, weight in WEIGHTS.items():
        for ref in dict.fromkeys(getattr(paper, kind)):
            for other in cat.papers_by[kind].get(ref, []):
                if other == pid:
                    continue
                scores[other] += weight
                reasons.setdefault(other, []).append(f"{kind[:-1]}:{ref}")
    ranked = sorted(scores, key=lambda o: (-scores[o], -(cat.papers[o].year or 0), o))
    return [(o, reasons[o]) for o in ranked[:limit]]
