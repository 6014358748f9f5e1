"""Import the survey's paper list into paper records, applying checked facts.

Inputs: the list (``survey-list.tsv``: title, arxiv_id, paper_url, venue_badge,
list_date, code_url, hf_url, headings) and a checks file (JSON Lines, one
object per checked row: the facts a person saw in a source, with evidence).

For each row the importer finds the record that already holds the work (by
checked arXiv id or by normalized title) or writes a new one from the checked
facts only — an unchecked row becomes a record marked ``unverified`` with its
listed title and its taxonomy placement, nothing else.  Headings always map to
task/method leaves, and a heading's leaf is added to an existing record that
lacks it.  Existing records are never otherwise rewritten: once imported, the
files in ``catalog/`` are the source of truth, and running the import again
only adds what is missing.

It also writes ``corrections.yaml`` (every listed value the catalog departs
from, with evidence) and ``provenance/survey-rows.tsv`` (row → record → status).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .catalog import Catalog
from .models import Paper
from .rules import VENUE_SPELLING, normalize_title
from .writer import FIELD_ORDER, dump_record, make_id, slug  # noqa: F401  (re-exported for callers)

LIST_NAME = "survey-list.tsv"
CHECKED = {"verified", "partial", "not-a-paper"}


@dataclass
class Outcome:
    """What an import did (or would do, on a dry run)."""

    created: dict[str, dict] = field(default_factory=dict)       # id → record data
    updated: dict[str, str] = field(default_factory=dict)        # id → new file text
    rows: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, listed title, id, status
    corrections: list[dict] = field(default_factory=list)


def read_list(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_checks(path: Path | None) -> dict[int, dict]:
    if not path or not path.exists():
        return {}
    out: dict[int, dict] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            data = json.loads(line)
            out[int(data["row"])] = data
    return out


def heading_ids(cat: Catalog, headings: str) -> tuple[list[str], list[str]]:
    """``'A > B > Video-to-Audio Generation; …'`` → (task ids, method ids) by leaf name."""
    by_name = {(tree, n.name): nid for tree in ("tasks", "methods") for nid, n in cat.nodes[tree].items()
               if not cat.children[tree].get(nid)}
    tasks, methods = [], []
    for heading in filter(None, (h.strip() for h in headings.split(";"))):
        leaf = heading.split(">")[-1].strip()
        tree = "methods" if heading.startswith("Foundation Techniques") else "tasks"
        nid = by_name.get((tree, leaf))
        if nid is None:
            raise ValueError(f"heading {heading!r} names no {tree[:-1]} leaf of the taxonomy")
        (methods if tree == "methods" else tasks).append(nid)
    return list(dict.fromkeys(tasks)), list(dict.fromkeys(methods))


def _venue(badge: str) -> str:
    """A list's badge in the catalog's spelling (ACMMM → ACM MM, arxiv → arXiv)."""
    return VENUE_SPELLING.get(badge.lower(), badge)


def new_record(row: dict[str, str], check: dict | None, tasks: list[str], methods: list[str],
               added: dt.date) -> dict[str, Any]:
    status = (check or {}).get("status", "unchecked")
    rec: dict[str, Any] = {}
    if status in CHECKED:
        for key in ("name", "title", "kind", "authors", "year", "date", "venue", "arxiv", "doi", "url", "code",
                    "project", "modalities", "summary"):
            value = check.get(key)  # type: ignore[union-attr]
            if value not in (None, "", []):
                rec[key] = value
        if "year" not in rec and rec.get("date"):
            rec["year"] = int(rec["date"][:4])
        if rec.get("kind") == "paper":
            del rec["kind"]
        if rec.get("authors") and check.get("authors_complete") is False:  # type: ignore[union-attr]
            rec["authors_complete"] = False
        if isinstance(rec.get("modalities"), dict):
            rec["modalities"] = {k: rec["modalities"].get(k, []) for k in ("input", "output")}
    rec.setdefault("title", row["title"])
    if not (rec.get("arxiv") or rec.get("doi") or rec.get("url")) or status not in CHECKED:
        # nothing confirmed: keep the listed title and the placement only
        rec = {"title": row["title"], "unverified": True}
    rec["tasks"], rec["methods"] = tasks, methods
    if not tasks:
        del rec["tasks"]
    if not methods:
        del rec["methods"]
    rec["added"] = added
    return {k: rec[k] for k in FIELD_ORDER if k in rec}


def merge_leaves(text: str, field_name: str, ids: list[str]) -> str:
    """Add ids to a flow-style ``field: [a, b]`` line of an existing record (or add the line)."""
    m = re.search(rf"^{field_name}: \[([^\]]*)\]([ \t]*#.*)?$", text, flags=re.M)
    if m:
        present = [x.strip() for x in m.group(1).split(",") if x.strip()]
        wanted = present + [i for i in ids if i not in present]
        if wanted == present:
            return text
        return text[: m.start()] + f"{field_name}: [{', '.join(wanted)}]{m.group(2) or ''}" + text[m.end():]
    if re.search(rf"^{field_name}:", text, flags=re.M):
        raise ValueError(f"cannot merge into a block-style '{field_name}:' list; use [a, b]")
    anchor = re.search(r"^(tasks|title):.*$", text, flags=re.M)
    insert = f"{field_name}: [{', '.join(ids)}]\n"
    if anchor:
        end = anchor.end() + 1
        return text[:end] + insert + text[end:]
    return text + insert


def read_venue_checks(path: Path) -> dict[str, str]:
    """record → the source that confirmed its venue after the import (provenance/venue-checks.tsv)."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {r["record"]: _evidence(r["source"], r.get("note") or "")
                for r in csv.DictReader(f, delimiter="\t") if "venue" in r.get("fields", "")}


def _evidence(source: str, note: str, limit: int = 500) -> str:
    """'source (note)', the note shortened at a word so the whole fits a correction's evidence field."""
    if not note:
        return source[:limit]
    room = limit - len(source) - 3
    if len(note) > room:
        note = note[: max(room - 1, 0)].rsplit(" ", 1)[0] + "…"
    return f"{source} ({note})" if room > 20 else source[:limit]


def correction_rows(row_no: int, row: dict[str, str], rid: str, rec: dict[str, Any], evidence: str,
                    status: str, venue_evidence: str | None = None) -> list[dict]:
    """Every listed value that the record departs from."""
    out = []

    def add(field_name: str, listed: Any, corrected: Any) -> None:
        source = venue_evidence if field_name == "venue" and venue_evidence else evidence
        if source and "<" in source:  # evidence quoting a page's HTML: the log holds plain text only
            source = " ".join(re.sub(r"<[^<>]*>", " ", source).split())
        if source and len(source) > 500:  # the log's limit: keep the leading source, shorten the rest
            source = source[:499].rsplit(" ", 1)[0] + "…"
        out.append({"record": rid, "field": field_name, "listed": listed, "corrected": corrected,
                    "list": LIST_NAME, "row": row_no, "evidence": source or None})

    if rec.get("unverified"):
        return out
    if row["title"] != rec.get("title"):
        add("title", row["title"], rec.get("title"))
    listed_id, record_id = row["arxiv_id"] or None, rec.get("arxiv")
    if listed_id and listed_id != record_id and (record_id or status == "verified"):
        add("arxiv", listed_id, record_id)
    if row["venue_badge"] and rec.get("venue") and _venue(row["venue_badge"]) != rec["venue"]:
        add("venue", row["venue_badge"], rec["venue"])
    if row["list_date"] and rec.get("date") and row["list_date"] != rec["date"]:
        add("date", row["list_date"], rec["date"])
    if row["code_url"] and rec.get("code") and row["code_url"].rstrip("/").lower() != rec["code"].rstrip("/").lower():
        add("code", row["code_url"], rec["code"])
    return out


def run(list_path: Path, checks_path: Path | None, catalog_root: Path, added: dt.date,
        starter_evidence: str = "catalog/provenance/starter-evidence.tsv") -> Outcome:
    """Plan the import (no writes): which records to create or update, the row log, the corrections."""
    from . import pipeline

    cat, report = pipeline.validate(catalog_root)
    # the corrections log is rewritten by this import, so its own errors do not block it
    blocking = [i for i in report.errors if Path(i.file).name != pipeline.CORRECTIONS_FILE]
    if blocking:
        raise ValueError("the catalog has errors; fix them before importing:\n"
                         + "\n".join(i.text() for i in blocking))
    rows, checks = read_list(list_path), read_checks(checks_path)
    venue_sources = read_venue_checks(catalog_root / "provenance" / "venue-checks.tsv")
    by_arxiv = {p.arxiv: pid for pid, p in cat.papers.items() if p.arxiv}
    by_title = {normalize_title(p.title).replace(" ", ""): pid for pid, p in cat.papers.items()}
    taken = set(cat.papers)
    out = Outcome()
    texts: dict[str, str] = {}
    for n, row in enumerate(rows, 1):
        check = checks.get(n)
        status = (check or {}).get("status", "unchecked")
        tasks, methods = heading_ids(cat, row["headings"])
        keys = []
        if check and status in CHECKED:
            if check.get("arxiv"):
                keys.append(by_arxiv.get(check["arxiv"]))
            if check.get("title"):
                keys.append(by_title.get(normalize_title(check["title"]).replace(" ", "")))
        keys.append(by_title.get(normalize_title(row["title"]).replace(" ", "")))
        rid = next((k for k in keys if k), None)
        if rid is None:
            rec = new_record(row, check, tasks, methods, added)
            try:
                Paper.model_validate(rec)
            except ValidationError as exc:
                raise ValueError(f"row {n} ({row['title'][:60]}): the checked facts do not make a valid record: "
                                 + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
            rid = make_id(rec.get("name"), rec["title"], rec.get("year"), taken)
            taken.add(rid)
            out.created[rid] = rec
            if rec.get("arxiv"):
                by_arxiv[rec["arxiv"]] = rid
            by_title[normalize_title(rec["title"]).replace(" ", "")] = rid
            evidence = (check or {}).get("evidence", "").split(" ")[0]
        elif rid in out.created:  # a second row for a work created in this run
            rec = out.created[rid]
            for key, ids in (("tasks", tasks), ("methods", methods)):
                if ids:
                    rec[key] = list(dict.fromkeys(rec.get(key, []) + ids))
            out.created[rid] = {k: rec[k] for k in FIELD_ORDER if k in rec}
            evidence = (check or {}).get("evidence", "").split(" ")[0]
        elif cat.papers[rid].unverified and status in CHECKED and rid not in texts:
            # a placeholder now checked: rewrite it from the checked facts, keeping its id and placement
            old = cat.papers[rid]
            rec = new_record(row, check, list(dict.fromkeys(old.tasks + tasks)),
                             list(dict.fromkeys(old.methods + methods)), old.added or added)
            try:
                Paper.model_validate(rec)
            except ValidationError as exc:
                raise ValueError(f"row {n} ({row['title'][:60]}): the checked facts do not make a valid record: "
                                 + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
            texts[rid] = dump_record(rec)
            if texts[rid] != (catalog_root / "papers" / f"{rid}.yaml").read_text(encoding="utf-8"):
                out.updated[rid] = texts[rid]
            evidence = (check or {}).get("evidence", "").split(" ")[0]
        else:
            path = catalog_root / "papers" / f"{rid}.yaml"
            text = texts.get(rid) or path.read_text(encoding="utf-8")
            for key, ids in (("tasks", tasks), ("methods", methods)):
                if ids:
                    text = merge_leaves(text, key, ids)
            if text != path.read_text(encoding="utf-8"):
                out.updated[rid] = text
            texts[rid] = text
            rec = cat.papers[rid].model_dump(exclude_defaults=True)
            evidence = (check or {}).get("evidence", "").split(" ")[0] or starter_evidence
            if check is None:  # checked before this list was imported (e.g. the starter records)
                status = "unchecked" if cat.papers[rid].unverified else "verified"
        out.rows.append((n, row["title"], rid, status))
        out.corrections += correction_rows(n, row, rid, rec, evidence, status,
                                           venue_sources.get(rid) or (check or {}).get("venue_evidence"))
    return out


def write(outcome: Outcome, catalog_root: Path) -> None:
    for rid, rec in outcome.created.items():
        path = catalog_root / "papers" / f"{rid}.yaml"
        if not path.exists():
            path.write_text(dump_record(rec), encoding="utf-8")
    for rid, text in outcome.updated.items():
        (catalog_root / "papers" / f"{rid}.yaml").write_text(text, encoding="utf-8")
    header = (f"# Corrections of the survey's paper list ({LIST_NAME}): every listed value the catalog departs\n"
              "# from, with the evidence for the catalog's value. Written by `avi-atlas import-survey`.\n")
    body = yaml.safe_dump({"corrections": outcome.corrections}, allow_unicode=True, sort_keys=False, width=120)
    (catalog_root / "corrections.yaml").write_text(header + body, encoding="utf-8")
    log = catalog_root / "provenance" / "survey-rows.tsv"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["row", "listed_title", "record", "status"])
        w.writerows(outcome.rows)
