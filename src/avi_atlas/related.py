"""Related papers: those sharing the most tasks, datasets and methods with a paper. Deterministic."""

from __future__ import annotations

from . import derive
from .catalog import Catalog

WEIGHTS = {"tasks": 3, "datasets": 2, "methods": 1}
POOL = 100  # candidates: the newest POOL papers of each shared task, dataset and method


def _pool(cat: Catalog, kind: str, ref: str) -> list[int]:
    """The newest ``POOL`` papers of a task, dataset or method, as their places in the catalog's
    newest-first order (derive.newest_first): small numbers sort faster than ids, in C, and no
    member's year is read again (the pool's deps are those of the order: every year)."""
    def newest() -> list[int]:
        return sorted(map(derive.newest_first(cat).__getitem__, cat.papers_by[kind].get(ref, [])))[:POOL]

    return cat.cached("related_pools", (kind, ref), newest)


def _members(cat: Catalog, kind: str, ref: str) -> int:
    """A pool as a set of bits: bit ``p`` is set for the paper at place ``p`` (worked out once per
    process from the pool, which the state keeps; a group of its own whose dep is the pool's)."""
    def bits() -> int:
        return sum(1 << place for place in _pool(cat, kind, ref))  # places are distinct

    return cat.cached("related_bits", (kind, ref), bits)


def _scores(pools: list[tuple[int, int]]) -> list[int]:
    """Every candidate's score, ``Σ weight`` over the pools (bit sets) it is in, as bit planes:
    bit ``p`` of plane ``i`` is bit ``i`` of the score of the paper at place ``p``. Each pool is
    added ``weight`` times over, by carries along the planes (a few operations on whole bit sets,
    in C, instead of one count per candidate)."""
    planes: list[int] = []
    for bits, weight in pools:
        shift = 0
        while weight:
            if weight & 1:
                carry, i = bits, shift
                while carry:
                    if i >= len(planes):
                        planes += [0] * (i - len(planes)) + [carry]
                        break
                    planes[i], carry = planes[i] ^ carry, planes[i] & carry
                    i += 1
            weight >>= 1
            shift += 1
    return planes


def _best(planes: list[int], limit: int) -> list[int]:
    """The places of up to ``limit`` candidates with the highest scores (``_scores``), the lowest
    place first among equal scores."""
    top: list[int] = []
    while len(top) < limit:
        best = 0
        for plane in planes:
            best |= plane  # every candidate left
        if not best:
            break
        for plane in reversed(planes):  # keep those with the highest score: bit by bit, from the top
            if best & plane:
                best &= plane
        planes = [plane & ~best for plane in planes]
        while best and len(top) < limit:
            low = best & -best
            top.append(low.bit_length() - 1)
            best ^= low
    return top


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
    me = ~(1 << derive.newest_first(cat)[pid])
    planes = [plane & me for plane in _scores([(_members(cat, kind, ref), weight) for kind, weight, refs in mine
                                               for ref in refs])]
    order = derive.newest_order(cat)
    top = [order[place] for place in _best(planes, limit)]
    shares = [f"{kind[:-1]}:{ref}" for kind, _, refs in mine for ref in refs]
    out = []
    for other in top:
        have = card(cat, other)[0]
        out.append((other, [ref for ref in shares if ref in have]))
    return out
