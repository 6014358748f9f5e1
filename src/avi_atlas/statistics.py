"""`avi-atlas stats`: what the catalog holds, and which records lack recommended fields."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .catalog import Catalog

#: fields a complete record should have, per kind
RECOMMENDED = {
    "papers": ("authors", "year", "venue", "date", "summary", "modalities", "code"),
    "datasets": ("year", "paper", "url", "license", "summary"),
    "benchmarks": ("protocol", "paper", "results"),
    "metrics": ("definition", "range"),
}


def collect(cat: Catalog) -> dict[str, Any]:
    pillars = {p: len(cat.papers_under("tasks", p)) for p in cat.roots("tasks")}
    tasks = {t: len(cat.papers_by["tasks"].get(t, [])) for t in cat.leaves("tasks")}
    years = Counter(p.year for p in cat.papers.values() if p.year)
    missing: dict[str, dict[str, list[str]]] = {}
    for kind, fields in RECOMMENDED.items():
        missing[kind] = {}
        for name in fields:
            ids = [rid for rid, m in cat.models(kind).items() if not getattr(m, name)]
            if ids:
                missing[kind][name] = ids
    return {
        "records": {kind: len(cat.records[kind]) for kind in cat.records},
        "unverified_papers": sum(1 for p in cat.papers.values() if p.unverified),
        "papers_by_pillar": pillars,
        "papers_by_task": tasks,
        "papers_by_year": dict(sorted(years.items())),
        "missing": missing,
    }


def as_text(data: dict[str, Any], show: int = 8) -> str:
    lines = ["Records: " + ", ".join(f"{n} {k}" for k, n in data["records"].items())
             + f" ({data['unverified_papers']} papers not yet checked)", "", "Papers by pillar:"]
    lines += [f"  {k:<32} {v:>5}" for k, v in data["papers_by_pillar"].items()]
    lines += ["", "Papers by task:"]
    lines += [f"  {k:<32} {v:>5}" for k, v in sorted(data["papers_by_task"].items(), key=lambda kv: (-kv[1], kv[0]))]
    lines += ["", "Papers by year:"]
    lines += [f"  {k:<32} {v:>5}" for k, v in data["papers_by_year"].items()]
    lines += ["", "Missing recommended fields:"]
    for kind, fields in data["missing"].items():
        for name, ids in fields.items():
            more = f", … {len(ids) - show} more" if len(ids) > show else ""
            lines.append(f"  {kind}.{name}: {len(ids)} ({', '.join(ids[:show])}{more})")
    return "\n".join(lines)
