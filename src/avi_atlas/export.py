"""Exports: the whole catalog as JSON, a CSV per kind, JSON Schemas, an Atom feed, BibTeX bundles.

Pure functions from the Catalog to text; deterministic (sorted, no clock).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from typing import Any, Callable, Iterator, NamedTuple
from html import escape

from . import derive, tracking
from .catalog import TREES, Catalog
from .models import KINDS, SINGULAR, Corrections, Taxonomy


def _plain(model: Any) -> dict:
    return model.model_dump(mode="json", exclude_defaults=True)


# ---- data files made of one fragment per record ------------------------------------------------
# catalog.json, papers.csv and catalog.bib hold every paper. Each is laid out as literal text and
# runs of fragments, one fragment per record (``Run``); ``assemble`` joins them and notes where each
# fragment sits and what it read besides its own record, so that an update can re-make the
# fragments of the records that changed and keep the others' text from the file on disk
# (incremental.py).


class Run(NamedTuple):
    """The fragments of records of one kind, in the order of ``ids``: the fragment of ``rid`` is
    ``make(rid)``, and ``between`` is literal text between two fragments. A layout holds its
    records as a few runs, not a fragment each: an update lays out the three data files of 10,000
    papers again to see whether their shape changed (``skeleton``), and making a callable and a
    tuple per record, then going over them, took 0.03 s of it."""

    kind: str
    ids: list[str]
    make: Callable[[str], str]
    between: str = ""


Layout = list  # of str (literal text) and Run, in order


@dataclass
class Assembled:
    """A data file, encoded (UTF-8) in ``parts`` (see below), and for the next update: its
    fragments' ``keys`` (``key``: "kind/id", one per line) and ``spans`` (start and end of each, in
    bytes of ``data``), the record ``kinds`` it holds, the deps its fragments read besides their own
    record (``shared``, see tracking.py), and the digest of its ``skeleton`` (see skeleton).

    The keys are one string, not 10,000 tuples, as the state stores them: an update stores
    those of each data file it patches, and the tuples took 0.015 s to store and 0.013 s to
    read again at 10,000 papers.

    ``parts`` are the file's bytes in order: one string of bytes, or for a patched file (an
    update's) the previous file's bytes between the new fragments (views of them) and the new
    fragments. They are written and digested as they are: joining them made a copy of every data
    file (20 MB, 0.012 s at 10,000 papers) for each update. ``data`` joins them."""

    parts: tuple
    keys: str
    spans: array
    kinds: tuple[str, ...]
    shared: frozenset
    skeleton: bytes

    @property
    def data(self) -> bytes:
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)

    def text(self) -> str:
        return self.data.decode("utf-8")

    def deps(self) -> frozenset:
        """What the file depends on: any change to a record of its kinds (re-made fragment by
        fragment), records of those kinds coming or going, and what the fragments shared."""
        return self.shared | {("f", kind, None, "*") for kind in self.kinds} | {("ids", kind) for kind in self.kinds}


@dataclass
class Previous:
    """A data file as the last build wrote it (its bytes, and its Assembled notes), and the records
    whose fragments must be made again (``changed``: (kind, id))."""

    data: bytes
    keys: str
    spans: array
    shared: frozenset
    skeleton: bytes
    changed: set[tuple[str, str]]


def skeleton(layout: Layout) -> bytes:
    """A digest of the layout with each fragment's text left out: its literal text, and each run's
    kind, ids and text between fragments, in order. Two layouts with the same skeleton differ only
    in the text of their fragments (json's C encoder writes it, unambiguously: ids hold no line
    break)."""
    plain = json.dumps([seg if isinstance(seg, str) else [seg.kind, seg.between, "\n".join(seg.ids)]
                        for seg in layout], ensure_ascii=False)
    return hashlib.blake2b(plain.encode("utf-8"), digest_size=16).digest()


def key(kind: str, rid: str) -> str:
    """A fragment's key as ``Assembled.keys`` holds it (ids hold no "/" and no line break)."""
    return f"{kind}/{rid}"


def _places(keys: str) -> dict[str, int]:
    """Each key of ``Assembled.keys`` → its fragment's place."""
    lines = keys.split("\n") if keys else []
    return dict(zip(lines, range(len(lines))))


#: up to this many changed records, a patched file finds their places by searching its keys (in C)
#: rather than by a dict of all of them (0.0013 s at 10,000 papers)
FEW = 16


def _places_of(keys: str, wanted: list[str]) -> list[int]:
    """The places of those of ``wanted`` that ``keys`` holds (each key at most once)."""
    if len(wanted) > FEW:
        where = _places(keys)
        return [where[k] for k in wanted if k in where]
    lines = f"\n{keys}\n"  # each key is then found with the line breaks around it
    places = []
    for k in wanted:
        at = lines.find(f"\n{k}\n")
        if at >= 0:
            places.append(lines.count("\n", 0, at))  # the line breaks before it: its place
    return places


def _own(kind: str, rid: str, deps: set) -> Iterator[tuple]:
    """The reads of a fragment that are not of its own record (they join what the fragments share)."""
    return (d for d in deps if not (d[0] in ("f", "has") and d[1] == kind and d[2] == rid))


def _make(run: Run, rid: str, noted: set) -> bytes:
    """A fragment's bytes; what it read besides its own record joins ``noted``."""
    with tracking.tracked(expand=True) as deps:  # its own record's reads told apart
        part = run.make(rid).encode("utf-8")
    noted.update(_own(run.kind, rid, deps))
    return part


def assemble(layout: Layout, previous: Previous | None = None) -> Assembled:
    """Join ``layout``, encoded, noting where each fragment sits and what it read: those of its own
    record are its own, the rest join ``shared``. With ``previous`` (an update), a fragment whose
    record did not change keeps its bytes from it; if only fragments' texts can differ (same
    skeleton), the changed ones are patched into the previous bytes, without going over the others."""
    shape = skeleton(layout)
    if previous is not None and previous.skeleton == shape:
        return _patched(layout, previous, shape)
    parts: list[bytes] = []
    keys: list[str] = []
    spans, pos, kinds = array("Q"), 0, {}
    noted = set(previous.shared) if previous is not None else set()
    if previous is not None:
        where = _places(previous.keys)
        old, old_spans, changed = previous.data, previous.spans, previous.changed
    for seg in layout:
        if isinstance(seg, str):
            part = seg.encode("utf-8")
            parts.append(part)
            pos += len(part)
            continue
        kind, between = seg.kind, seg.between.encode("utf-8")
        kinds[kind] = None  # (a run of no records too: the file depends on which records there are)
        for n, rid in enumerate(seg.ids):
            if n and between:
                parts.append(between)
                pos += len(between)
            k = key(kind, rid)
            i = where.get(k) if previous is not None else None
            if i is not None and (kind, rid) not in changed:
                part = old[old_spans[2 * i]:old_spans[2 * i + 1]]
            else:
                part = _make(seg, rid, noted)
            keys.append(k)
            spans.extend((pos, pos + len(part)))
            parts.append(part)
            pos += len(part)
    return _assembled((b"".join(parts),), "\n".join(keys), spans, tuple(kinds), noted, shape)


def _patched(layout: Layout, previous: Previous, shape: bytes) -> Assembled:
    """``previous`` with the fragments of its changed records made again (same skeleton, so the
    same keys in the same places)."""
    runs = [seg for seg in layout if not isinstance(seg, str)]
    ends = list(accumulate(len(run.ids) for run in runs))  # the place after each run's last fragment
    redo = sorted(_places_of(previous.keys, [key(kind, rid) for kind, rid in previous.changed]))
    old, old_spans = memoryview(previous.data), previous.spans  # slices of a view copy nothing
    pieces, spans, noted = [], array("Q"), set(previous.shared)
    at, shift, done = 0, 0, 0  # next byte of old to copy; how far later spans move; spans copied
    for i in redo:
        r = bisect_right(ends, i)  # the run that holds place i
        run = runs[r]
        part = _make(run, run.ids[i - ends[r] + len(run.ids)], noted)
        start, end = old_spans[2 * i], old_spans[2 * i + 1]
        pieces += [old[at:start], part]
        at = end
        spans.extend(_moved(old_spans[done:2 * i], shift))
        spans.extend((start + shift, start + shift + len(part)))
        shift += len(part) - (end - start)
        done = 2 * i + 2
    pieces.append(old[at:])
    spans.extend(_moved(old_spans[done:], shift))
    kinds = tuple(dict.fromkeys(run.kind for run in runs))
    return _assembled(tuple(pieces), previous.keys, spans, kinds, noted, shape)


def _moved(spans: array, shift: int) -> array:
    """``spans`` (unsigned offsets) moved by ``shift`` bytes, added in C."""
    return spans if not shift else array("Q", map(shift.__add__, spans))


def _assembled(parts: tuple, keys: str, spans: array, kinds: tuple, noted: set, shape: bytes) -> Assembled:
    shared = tracking.compress(noted) if len(noted) > tracking.LIMIT else frozenset(noted)
    return Assembled(parts, keys, spans, kinds, shared, shape)


def catalog_json_layout(cat: Catalog) -> Layout:
    """Every record with its page URL and cross-links, the taxonomy, and the corrections log, one
    record per line: readable, diff-friendly, and written by json's C encoder (indent is not)."""
    taxonomy = {tree: [_plain(n) | {"url": f"{tree}/{nid}/"} for nid, n in cat.nodes[tree].items()] for tree in TREES}
    out: Layout = ['{\n "format": "avi-atlas catalog",\n "version": 1,\n "taxonomy": ',
                   json.dumps(taxonomy, ensure_ascii=False)]
    for kind in KINDS:
        ids = list(cat.models(kind))
        out += [f",\n {json.dumps(kind)}: " + ("{\n" if ids else "{}"),
                Run(kind, ids, partial(_json_entry, cat, kind), ",\n")]
        if ids:
            out.append("\n }")
    corrections = [c.model_dump(mode="json") for c in cat.corrections]
    out.append(f',\n "corrections": {json.dumps(corrections, ensure_ascii=False)}\n}}\n')
    return out


def _json_entry(cat: Catalog, kind: str, rid: str) -> str:
    entry = {"id": rid, "url": f"{kind}/{rid}/"} | _plain(cat.records[kind][rid].whole())
    if kind == "papers":
        entry["links"] = {"benchmarks": cat.benchmarks_by["papers"].get(rid, []),
                          "introduces": [f"{k}/{i}" for k, i in cat.introduced_by.get(rid, [])]}
    elif kind == "datasets":
        entry["links"] = {"papers": cat.papers_by["datasets"].get(rid, []),
                          "benchmarks": cat.benchmarks_by["datasets"].get(rid, [])}
    elif kind == "metrics":
        entry["links"] = {"benchmarks": cat.benchmarks_by["metrics"].get(rid, [])}
    return f"  {json.dumps(rid, ensure_ascii=False)}: {json.dumps(entry, ensure_ascii=False)}"


def catalog_json(cat: Catalog) -> str:
    return assemble(catalog_json_layout(cat)).text()


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    return "".join([_csv_line(header), *map(_csv_line, rows)])


_BUFFER = io.StringIO()
_WRITER = csv.writer(_BUFFER, lineterminator="\n")


def _csv_line(row: list[Any]) -> str:
    _BUFFER.seek(0)
    _BUFFER.truncate()
    _WRITER.writerow(["; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v) for v in row])
    return _BUFFER.getvalue()


CSV_FILES = ("papers.csv", "datasets.csv", "benchmarks.csv", "results.csv", "metrics.csv")
PAPER_COLUMNS = ["id", "title", "name", "authors", "year", "date", "venue", "arxiv", "doi", "url", "code", "project",
                 "tasks", "methods", "challenges", "input", "output", "datasets", "parameters_b", "open_weights",
                 "unverified", "added"]


def papers_csv_layout(cat: Catalog) -> Layout:
    return [_csv_line(PAPER_COLUMNS), Run("papers", list(cat.papers), partial(_paper_row, cat))]


def _paper_row(cat: Catalog, pid: str) -> str:
    p = cat.records["papers"][pid].whole()  # a fragment's reads of its own record are not kept one by one
    return _csv_line([pid, p.title, p.name, "; ".join(p.authors), p.year, p.date, p.venue, p.arxiv, p.doi, p.url,
                      p.code, p.project, p.tasks, p.methods, p.challenges, p.modalities.input if p.modalities else [],
                      p.modalities.output if p.modalities else [], p.datasets, p.parameters, p.open_weights,
                      p.unverified, p.added.isoformat() if p.added else None])


def csv_file(cat: Catalog, name: str) -> str:
    """One CSV export (papers.csv is assembled, see papers_csv_layout)."""
    if name == "papers.csv":
        return assemble(papers_csv_layout(cat)).text()
    if name == "datasets.csv":
        return _csv(["id", "name", "year", "paper", "url", "license", "tasks", "modalities", "clips", "videos",
                     "hours", "classes", "qa_pairs", "utterances", "speakers", "images", "domain"],
                    [[did, d.name, d.year, d.paper, d.url, d.license, d.tasks, d.modalities, d.clips, d.videos,
                      d.hours, d.classes, d.qa_pairs, d.utterances, d.speakers, d.images, d.domain]
                     for did, d in cat.datasets.items()])
    if name == "benchmarks.csv":
        return _csv(["id", "name", "tasks", "datasets", "metrics", "paper", "url", "results"],
                    [[bid, b.name, b.tasks, [s.dataset + (f":{s.split}" if s.split else "") for s in b.datasets],
                      b.metrics, b.paper, b.url, len(b.results)] for bid, b in cat.benchmarks.items()])
    if name == "results.csv":
        rows = [[bid, r.paper, r.system, r.variant, metric, value, r.source.paper, r.source.url, r.source.where,
                 r.zero_shot, r.extra_data, r.notes]
                for bid, b in cat.benchmarks.items() for r in b.results for metric, value in r.values.items()]
        return _csv(["benchmark", "paper", "system", "variant", "metric", "value", "source_paper", "source_url",
                     "source_where", "zero_shot", "extra_data", "notes"], rows)
    if name == "metrics.csv":
        return _csv(["id", "name", "abbreviation", "higher_is_better", "min", "max", "unit", "paper"],
                    [[mid, m.name, m.abbreviation, m.higher_is_better, m.range[0] if m.range else None,
                      m.range[1] if m.range else None, m.unit, m.paper] for mid, m in cat.metrics.items()])
    raise KeyError(name)


def csv_files(cat: Catalog) -> dict[str, str]:
    return {name: csv_file(cat, name) for name in CSV_FILES}


def _schema_models() -> dict[str, Any]:
    return {f"{name}.schema.json": model for name, model in
            ({SINGULAR[k]: m for k, m in KINDS.items()} | {"taxonomy": Taxonomy, "corrections": Corrections}).items()}


SCHEMA_FILES = tuple(_schema_models())


def json_schema(file: str) -> str:
    """The JSON Schema in ``file`` (one of SCHEMA_FILES), generated from its model: made only when
    written, since an update of the site rarely writes it."""
    name = file.removesuffix(".schema.json")
    schema = _schema_models()[file].model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": file, "title": f"avi-atlas {name}"} | schema
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def json_schemas() -> dict[str, str]:
    """A JSON Schema per record kind (and the taxonomy and the corrections log)."""
    return {file: json_schema(file) for file in SCHEMA_FILES}


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
            f"<title>{escape(title, quote=False)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(kind)}/{escape(rid)}/"/>'
            f"<updated>{added.isoformat()}T00:00:00Z</updated>"
            f'<category term="{SINGULAR[kind]}"/>'
            + (f"<summary>{escape(summary.strip(), quote=False)}</summary>" if summary else "")
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{escape(base)}">'
        "<id>tag:avi-atlas,2026:feed</id><title>AVI Atlas: newly added records</title>"
        f'<link rel="self" href="feed.xml"/><link rel="alternate" type="text/html" href="./"/>'
        f"<updated>{updated}</updated><author><name>AVI Atlas contributors</name></author>"
        + "".join(entries) + "</feed>\n"
    )


def bibtex_layout(cat: Catalog, paper_ids: list[str]) -> Layout:
    """One entry per paper, each followed by a blank line; unverified records have none."""
    return [Run("papers", sorted(paper_ids), partial(_bib_entry, cat))]


def _bib_entry(cat: Catalog, pid: str) -> str:
    return "" if cat.papers[pid].unverified else derive.paper_bibtex(cat, pid) + "\n\n"


def bibtex_bundle(cat: Catalog, paper_ids: list[str]) -> str:
    """BibTeX for the given papers, in id order; unverified records have no entry. The same text
    as an assembled file (``bibtex_layout``), joined directly: a bundle is never spliced."""
    return "".join([_bib_entry(cat, pid) for pid in sorted(paper_ids)])
