"""Comparison tables: one row of plain data per paper, for task, method and challenge pages.

Every cell also carries a sort key, so the table the server renders can be
sorted and filtered in the browser without any other data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from . import derive
from .catalog import Catalog


@dataclass
class ComparisonRow:
    id: str
    name: str
    title: str
    year: int | None
    venue: str | None
    methods: list[str]
    inputs: list[str]
    outputs: list[str]
    datasets: list[str]
    code: str | None
    open_weights: bool | None
    unverified: bool
    headline: "Headline | None" = None
    tasks: list[str] = field(default_factory=list)


@dataclass
class Headline:
    """A paper's best placing on a catalog benchmark: 'rank 1 of 6 on X (FAD 1.23)'."""

    benchmark: str
    rank: int
    of: int
    metric: str
    value: str


def headline(cat: Catalog, pid: str) -> Headline | None:
    """Computed once per paper and catalog (a paper appears in many tables)."""
    return cat.cached("headlines", pid, lambda: _headline(cat, pid))


def _headline(cat: Catalog, pid: str) -> Headline | None:
    best: Headline | None = None
    for bid, row, ranked in derive.paper_results(cat, pid):
        if not row.rank:
            continue
        board = derive.leaderboard(cat, bid)
        candidate = Headline(bid, row.rank, ranked, board.main, board.cell(row, board.main))
        if best is None or (candidate.rank / candidate.of, -candidate.of) < (best.rank / best.of, -best.of):
            best = candidate
    return best


def comparison(cat: Catalog, paper_ids: list[str]) -> list[ComparisonRow]:
    """One row per paper; a paper's row is built once per catalog (it appears in many tables)."""
    return [cat.cached("comparison_rows", pid, partial(_row, cat, pid)) for pid in paper_ids]


def _row(cat: Catalog, pid: str) -> ComparisonRow:
    p = cat.papers[pid]
    return ComparisonRow(
        id=pid, name=derive.short_name(p), title=p.title, year=p.year, venue=p.venue,
        methods=list(p.methods), tasks=list(p.tasks),
        inputs=list(p.modalities.input) if p.modalities else [],
        outputs=list(p.modalities.output) if p.modalities else [],
        datasets=sorted(set(p.datasets) | set(p.training_data)), code=p.code,
        open_weights=p.open_weights, unverified=p.unverified, headline=headline(cat, pid),
    )


def facets(rows: list[ComparisonRow]) -> dict[str, list]:
    """The values present in a table, for its filter controls."""
    years = sorted({r.year for r in rows if r.year})
    return {
        "years": years,
        "venues": sorted({r.venue for r in rows if r.venue}, key=str.casefold),
        "methods": sorted({m for r in rows for m in r.methods}),
        "inputs": sorted({m for r in rows for m in r.inputs}),
        "outputs": sorted({m for r in rows for m in r.outputs}),
    }
