"""Exports: the whole catalog as JSON, a CSV per kind, JSON Schemas, an Atom feed, BibTeX bundles.

Pure functions from the Catalog to text; deterministic (sorted, no clock).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from . import derive
from .catalog import TREES, Catalog
from .models import KINDS, SINGULAR, Corrections, Taxonomy


def _plain(model: Any) -> dict:
    return model.model_dump(mode="json", exclude_defaults=True)


def catalog_json(cat: Catalog) -> str:
    """Every record with its page URL and cross-links, the taxonomy, and the corrections log."""
    out: dict[str, Any] = {"format": "avi-atlas catalog", "version": 1}
    out["taxonomy"] = {tree: [_plain(n) | {"url": f"{tree}/{nid}/"} for nid, n in cat.nodes[tree].items()]
                       for tree in TREES}
    for kind in KINDS:
        out[kind] = {}
        for rid, model in cat.models(kind).items():
            entry = {"id": rid, "url": f"{kind}/{rid}/"} | _plain(model)
            if kind == "papers":
                entry["links"] = {
                    "benchmarks": cat.benchmarks_by["papers"].get(rid, []),
                    "introduces": [f"{k}/{i}" for k, i in cat.introduced_by.get(rid, [])],
                }
            elif kind == "datasets":
                entry["links"] = {"papers": cat.papers_by["datasets"].get(rid, []),
                                  "benchmarks": cat.benchmarks_by["datasets"].get(rid, [])}
            elif kind == "metrics":
                entry["links"] = {"benchmarks": cat.benchmarks_by["metrics"].get(rid, [])}
            out[kind][rid] = entry
    out["corrections"] = [c.model_dump(mode="json") for c in cat.corrections]
    # one record per line: readable, diff-friendly, and written by json's C encoder (indent is not)
    lines = []
    for key, value in out.items():
        if isinstance(value, dict) and key in KINDS:
            body = ",\n".join(f"  {json.dumps(rid, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                               for rid, v in value.items())
            lines.append(f" {json.dumps(key)}: {{\n{body}\n }}" if body else f" {json.dumps(key)}: {{}}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v) for v in row])
    return buf.getvalue()


CSV_FILES = ("papers.csv", "datasets.csv", "benchmarks.csv", "results.csv", "metrics.csv")


def csv_files(cat: Catalog) -> dict[str, str]:
    papers = [[pid, p.title, p.name, "; ".join(p.authors), p.year, p.date, p.venue, p.arxiv, p.doi, p.url, p.code,
               p.project, p.tasks, p.methods, p.challenges, p.modalities.input if p.modalities else [],
               p.modalities.output if p.modalities else [], p.datasets, p.parameters, p.open_weights,
               p.unverified, p.added.isoformat() if p.added else None] for pid, p in cat.papers.items()]
    datasets = [[did, d.name, d.year, d.paper, d.url, d.license, d.tasks, d.modalities, d.clips, d.videos, d.hours,
                 d.classes, d.qa_pairs, d.utterances, d.speakers, d.images, d.domain]
                for did, d in cat.datasets.items()]
    benchmarks = [[bid, b.name, b.tasks, [s.dataset + (f":{s.split}" if s.split else "") for s in b.datasets],
                   b.metrics, b.paper, b.url, len(b.results)] for bid, b in cat.benchmarks.items()]
    results = []
    for bid, b in cat.benchmarks.items():
        for r in b.results:
            for metric, value in r.values.items():
                results.append([bid, r.paper, r.system, r.variant, metric, value, r.source.paper, r.source.url,
                                r.source.where, r.zero_shot, r.extra_data, r.notes])
    metrics = [[mid, m.name, m.abbreviation, m.higher_is_better, m.range[0] if m.range else None,
                m.range[1] if m.range else None, m.unit, m.paper] for mid, m in cat.metrics.items()]
    return {
        "papers.csv": _csv(["id", "title", "name", "authors", "year", "date", "venue", "arxiv", "doi", "url", "code",
                            "project", "tasks", "methods", "challenges", "input", "output", "datasets",
                            "parameters_b", "open_weights", "unverified", "added"], papers),
        "datasets.csv": _csv(["id", "name", "year", "paper", "url", "license", "tasks", "modalities", "clips",
                              "videos", "hours", "classes", "qa_pairs", "utterances", "speakers", "images", "domain"],
                             datasets),
        "benchmarks.csv": _csv(["id", "name", "tasks", "datasets", "metrics", "paper", "url", "results"], benchmarks),
        "results.csv": _csv(["benchmark", "paper", "system", "variant", "metric", "value", "source_paper",
                             "source_url", "source_where", "zero_shot", "extra_data", "notes"], results),
        "metrics.csv": _csv(["id", "name", "abbreviation", "higher_is_better", "min", "max", "unit", "paper"], metrics),
    }


def json_schemas() -> dict[str, str]:
    """A JSON Schema per record kind (and the taxonomy), generated from the models."""
    models = {SINGULAR[k]: m for k, m in KINDS.items()} | {"taxonomy": Taxonomy, "corrections": Corrections}
    out = {}
    for name, model in models.items():
        schema = model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"{name}.schema.json", "title": f"avi-atlas {name}"} | schema
        out[f"{name}.schema.json"] = json.dumps(schema, indent=1, ensure_ascii=False) + "\n"
    return out


def atom_feed(cat: Catalog, base_url: str, limit: int = 50) -> str:
    """Newest records by `added` (then kind and id), newest first."""
    items = []
    for kind in KINDS:
        for rid, model in cat.models(kind).items():
            if model.added:
                items.append((model.added, kind, rid, model))
    items.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    items = items[:limit]
    base = base_url.rstrip("/") + "/"
    updated = (derive.as_of(cat) or dt.date(2026, 1, 1)).isoformat() + "T00:00:00Z"
    entries = []
    for added, kind, rid, model in items:
        title = getattr(model, "title", None) or model.name
        summary = getattr(model, "summary", None) or getattr(model, "definition", None) or ""
        entries.append(
            "<entry>"
            f"<id>tag:avi-atlas,2026:{kind}/{rid}</id>"
            f"<title>{xml_escape(title)}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(kind)}/{xml_escape(rid)}/"/>'
            f"<updated>{added.isoformat()}T00:00:00Z</updated>"
            f'<category term="{SINGULAR[kind]}"/>'
            + (f"<summary>{xml_escape(summary.strip())}</summary>" if summary else "")
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{xml_escape(base)}">'
        "<id>tag:avi-atlas,2026:feed</id><title>AVI Atlas: newly added records</title>"
        f'<link rel="self" href="feed.xml"/><link rel="alternate" type="text/html" href="./"/>'
        f"<updated>{updated}</updated><author><name>AVI Atlas contributors</name></author>"
        + "".join(entries) + "</feed>\n"
    )


def bibtex_bundle(cat: Catalog, paper_ids: list[str]) -> str:
    """BibTeX for the given papers; unverified records have no entry."""
    entries = [derive.paper_bibtex(cat, pid) for pid in sorted(paper_ids) if not cat.papers[pid].unverified]
    return "\n\n".join(entries) + ("\n" if entries else "")
