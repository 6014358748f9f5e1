"""Pure functions from the Catalog to the plain data pages show.

Leaderboards (ranked, best value marked), taxonomy counts, BibTeX entries.
No I/O and no HTML here: templates decide how things look.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog
from .models import Paper, Result


# ---- leaderboards ----------------------------------------------------------
@dataclass
class Row:
    rank: int | None
    result: Result
    name: str
    date: str | None
    values: dict[str, float]
    best: set[str] = field(default_factory=set)


@dataclass
class Leaderboard:
    metrics: list[str]
    main: str
    rows: list[Row]
    decimals: dict[str, int] = field(default_factory=dict)

    def cell(self, row: Row, metric: str) -> str:
        """A value with as many decimals as the column's most precise value (21.0 → 21.00)."""
        return f"{row.values[metric]:.{self.decimals.get(metric, 2)}f}"


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text:
        return 4
    frac = text.split(".")[1].rstrip("0")
    return min(len(frac), 4)


def result_name(cat: Catalog, r: Result) -> str:
    if r.paper and r.paper in cat.papers:
        return short_name(cat.papers[r.paper])
    return r.system or r.paper or "?"


def short_name(paper: Paper) -> str:
    """The name a paper is known by: its ``name``, or the title's head ('MMAudio: Taming …' → 'MMAudio')."""
    if paper.name:
        return paper.name
    head, sep, _ = paper.title.partition(":")
    return head.strip() if sep and len(head) <= 40 else paper.title


def result_date(cat: Catalog, r: Result) -> str | None:
    if r.date:
        return r.date
    if r.paper and r.paper in cat.papers:
        return cat.papers[r.paper].date
    return None


def leaderboard(cat: Catalog, bench_id: str) -> Leaderboard:
    """Rows ranked by the benchmark's main (first) metric; rows without it come last, unranked.

    Computed once per catalog and benchmark (paper pages and tables ask again and again).
    """
    return cat.cached("leaderboards", bench_id, lambda: _leaderboard(cat, bench_id))


def _leaderboard(cat: Catalog, bench_id: str) -> Leaderboard:
    bench = cat.benchmarks[bench_id]
    metrics = [m for m in bench.metrics if any(m in r.values for r in bench.results)] or bench.metrics[:1]
    main = metrics[0]
    higher = cat.metrics[main].higher_is_better if main in cat.metrics else True
    rows = [Row(None, r, result_name(cat, r), result_date(cat, r), dict(r.values)) for r in bench.results]
    with_main = [r for r in rows if main in r.values]
    without = [r for r in rows if main not in r.values]
    with_main.sort(key=lambda r: (-r.values[main] if higher else r.values[main], r.name))
    without.sort(key=lambda r: r.name)
    rank, last = 0, None
    for i, row in enumerate(with_main, 1):
        if row.values[main] != last:
            rank, last = i, row.values[main]
        row.rank = rank
    rows = with_main + without
    for m in metrics:
        present = [r.values[m] for r in rows if m in r.values]
        if not present or m not in cat.metrics:
            continue
        best = max(present) if cat.metrics[m].higher_is_better else min(present)
        for r in rows:
            if r.values.get(m) == best:
                r.best.add(m)
    decimals = {m: max((_decimals(r.values[m]) for r in rows if m in r.values), default=0) for m in metrics}
    return Leaderboard(metrics, main, rows, decimals)


def paper_results(cat: Catalog, pid: str) -> list[tuple[str, Row, int]]:
    """(benchmark id, row, number of ranked rows) for every result of a paper."""
    out = []
    for bid in cat.benchmarks_by["papers"].get(pid, []):
        board = leaderboard(cat, bid)
        ranked = sum(1 for r in board.rows if r.rank)
        out.extend((bid, row, ranked) for row in board.rows if row.result.paper == pid)
    return out


def sota(cat: Catalog, bench_id: str, metric: str) -> tuple[list, list]:
    """(every dated result, the improving ones): the state of the art over time for one metric."""
    from .charts import Point

    board = leaderboard(cat, bench_id)
    higher = cat.metrics[metric].higher_is_better if metric in cat.metrics else True
    points = [Point(r.date, r.values[metric], r.name + (f" ({r.result.variant})" if r.result.variant else ""))
              for r in board.rows if metric in r.values and r.date]
    points.sort(key=lambda p: (p.month, -p.value if higher else p.value, p.label))
    steps, best = [], None
    for p in points:
        if best is None or (p.value > best if higher else p.value < best):
            steps.append(p)
            best = p.value
    return points, steps


# ---- taxonomy counts ---------------------------------------------------------
def years(cat: Catalog) -> dict[str, int | None]:
    """Every paper's year, read once (made once): a page that counts papers by year (a task's
    histogram) notes one group instead of a read of each paper's year."""
    return cat.cached("years", None, lambda: {pid: paper.year for pid, paper in cat.papers.items()})


def newest_first(cat: Catalog) -> dict[str, int]:
    """Every paper's place when all are ordered newest year first, then by id (made once): sorting
    by it orders papers as ``(-(year or 0), id)`` would, without reading each paper's year again."""
    def order() -> dict[str, int]:
        year = years(cat)
        return {pid: i for i, pid in enumerate(sorted(year, key=lambda o: (-(year[o] or 0), o)))}

    return cat.cached("year_rank", None, order)


def newest_order(cat: Catalog) -> list[str]:
    """Every paper's id at its place in ``newest_first`` (made once)."""
    return cat.cached("year_order", None, lambda: list(newest_first(cat)))


def node_counts(cat: Catalog, tree: str, node_id: str) -> dict[str, int]:
    counts = {"papers": len(cat.papers_under(tree, node_id))}
    if tree == "tasks":
        ids = [node_id, *cat.descendants(tree, node_id)]
        counts["datasets"] = len({d for i in ids for d in cat.datasets_by_task.get(i, [])})
        counts["benchmarks"] = len({b for i in ids for b in cat.benchmarks_by["tasks"].get(i, [])})
    return counts


# ---- BibTeX ------------------------------------------------------------------
JOURNALS = {"TPAMI", "IJCV", "TASLP", "TMM", "TIP", "TMLR", "TVCG", "TOG", "Neural Networks"}
_BIB_SPECIAL = re.compile(r"([&%$#_{}~^\\])")


def _bib_escape(text: str) -> str:
    def sub(m: re.Match) -> str:
        c = m.group(1)
        return {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}.get(c, "\\" + c)

    return _BIB_SPECIAL.sub(sub, text)


def paper_bibtex(cat: Catalog, pid: str) -> str:
    """The BibTeX entry of a catalog paper, made once per catalog (pages and bundles share it)."""
    return cat.cached("bibtex", pid, lambda: bibtex(pid, cat.papers[pid]))


def bibtex(pid: str, p: Paper) -> str:
    """A BibTeX entry keyed by the catalog id (stable and guessable)."""
    fields: list[tuple[str, str]] = [("title", "{" + _bib_escape(p.title) + "}")]
    if p.authors:
        names = [_bib_escape(a) for a in p.authors] + ([] if p.authors_complete else ["others"])
        fields.append(("author", " and ".join(names)))
    venue = p.venue if p.venue and p.venue != "arXiv" else None
    if venue and venue in JOURNALS:
        kind = "article"
        fields.append(("journal", _bib_escape(venue)))
    elif venue:
        kind = "inproceedings"
        fields.append(("booktitle", _bib_escape(venue)))
    else:
        kind = "misc"
    if p.year:
        fields.append(("year", str(p.year)))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archivePrefix", "arXiv")]
    if p.doi:
        fields.append(("doi", _bib_escape(p.doi)))
    url = p.url or (f"https://arxiv.org/abs/{p.arxiv}" if p.arxiv else None)
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{pid},\n{body}\n}}"


# ---- small helpers for templates ---------------------------------------------
def year_histogram(cat: Catalog, paper_ids: list[str]) -> list[tuple[int, int]]:
    counts = Counter(map(years(cat).__getitem__, paper_ids))  # in C
    counts.pop(None, None)  # no year recorded
    if not counts:
        return []
    return [(y, counts.get(y, 0)) for y in range(min(counts), max(counts) + 1)]


def fmt_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def as_of(cat: Catalog) -> dt.date | None:
    """The date the site says its data is from: SOURCE_DATE_EPOCH when set (reproducible builds),
    else the newest `added` date in the catalog. Never the clock, so two builds are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    known = cat.memo("as_of")  # a build that knows every record's `added` already (incremental.snapshot)
    if "newest" not in known:
        known["newest"] = max((m.added for kind in ("papers", "datasets", "benchmarks", "metrics")
                               for m in cat.models(kind).values() if m.added), default=None)
    return known["newest"]
