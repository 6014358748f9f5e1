"""`avi-atlas import-bib`: BibTeX entries → paper records (bibtexparser v2).

LaTeX accents and braces become plain Unicode; names become "Given Family";
the venue is read from booktitle/journal and spelled the catalog's way; the
arXiv id comes from ``eprint``, an "arXiv preprint arXiv:…" journal, or an
arxiv.org URL. An entry that duplicates a catalog record (same arXiv id or DOI,
or a near-identical title), or an earlier entry of the same file, is reported
with what it collides with and not written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import middlewares as mw

from .catalog import Catalog
from .rules import title_keys
from .writer import dump_record, make_id

ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})"

#: long venue names → the catalog's spelling (checked in order; first match wins)
VENUES: list[tuple[str, str]] = [
    (r"workshop.*computer vision and pattern recognition|computer vision and pattern recognition.*workshop|cvprw", "CVPR Workshops"),
    (r"computer vision and pattern recognition|\bcvpr\b", "CVPR"),
    (r"european conference on computer vision|\beccv\b", "ECCV"),
    (r"international conference on computer vision|\biccv\b", "ICCV"),
    (r"neural information processing systems|\bneurips\b|\bnips\b", "NeurIPS"),
    (r"international conference on learning representations|\biclr\b", "ICLR"),
    (r"international conference on machine learning|\bicml\b", "ICML"),
    (r"\baaai\b", "AAAI"),
    (r"international joint conference on artificial intelligence|\bijcai\b", "IJCAI"),
    (r"findings of the association for computational linguistics: emnlp|findings of emnlp", "Findings of EMNLP"),
    (r"empirical methods in natural language processing|\bemnlp\b", "EMNLP"),
    (r"north american chapter of the association for computational linguistics|\bnaacl\b", "NAACL"),
    (r"annual meeting of the association for computational linguistics|\bacl\b", "ACL"),
    (r"acm international conference on multimedia|acm multimedia|\bacm mm\b", "ACM MM"),
    (r"acoustics, speech,? and signal processing|\bicassp\b", "ICASSP"),
    (r"\binterspeech\b", "Interspeech"),
    (r"pattern analysis and machine intelligence|\btpami\b", "TPAMI"),
    (r"international journal of computer vision|\bijcv\b", "IJCV"),
    (r"audio, speech,? and language processing|\btaslp\b", "TASLP"),
    (r"transactions on multimedia", "TMM"),
    (r"transactions on image processing", "TIP"),
    (r"transactions on machine learning research|\btmlr\b", "TMLR"),
    (r"conference on robot learning|\bcorl\b", "CoRL"),
    (r"robotics: science and systems", "RSS"),
    (r"international conference on robotics and automation|\bicra\b", "ICRA"),
    (r"intelligent robots and systems|\biros\b", "IROS"),
    (r"winter conference on applications of computer vision|\bwacv\b", "WACV"),
    (r"british machine vision conference|\bbmvc\b", "BMVC"),
    (r"siggraph asia", "SIGGRAPH Asia"),
    (r"\bsiggraph\b", "SIGGRAPH"),
    (r"^arxiv|arxiv preprint|corr\b", "arXiv"),
]


@dataclass
class Duplicate:
    key: str
    other: str  # record id, or "entry KEY" of the same file
    reason: str


@dataclass
class Outcome:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # new id → record
    keys: dict[str, str] = field(default_factory=dict)  # new id → bib key
    duplicates: list[Duplicate] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def venue_of(text: str) -> str:
    clean = " ".join(text.split())
    low = clean.lower()
    for pattern, name in VENUES:
        if re.search(pattern, low):
            return name
    return re.sub(r"\s*\b(19|20)\d\d\b", "", clean).strip(" ,")


def arxiv_of(fields: dict[str, str]) -> str | None:
    eprint = fields.get("eprint", "")
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "arxiv")).lower()
    m = re.fullmatch(rf"(?:arxiv:)?{ARXIV_ID}(v\d+)?", eprint.strip(), flags=re.I)
    if m and prefix == "arxiv":
        return m.group(1)
    for key in ("journal", "volume", "note", "url", "howpublished"):
        m = re.search(rf"(?:arxiv[:/ ]+(?:abs/|pdf/)?){ARXIV_ID}", fields.get(key, ""), flags=re.I)
        if m:
            return m.group(1)
    return None


def _name(parts: Any) -> str:
    if isinstance(parts, str):
        return " ".join(parts.split())
    return " ".join(" ".join(x) for x in (parts.first, parts.von, parts.last, parts.jr) if x).strip()


def _clean(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").split())


def parse(text: str) -> tuple[list[tuple[str, dict[str, Any], int]], list[str]]:
    """(key, fields, line) of every entry, and a message per block that did not parse."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(
        text, append_middleware=[mw.LatexDecodingMiddleware(), mw.SeparateCoAuthors(), mw.SplitNameParts()])
    entries = []
    for e in library.entries:
        fields = {k.lower(): f.value for k, f in e.fields_dict.items()}
        entries.append((e.key, fields, e.start_line + 1))
    failures = [f"line {b.start_line + 1}: could not read this block ({getattr(b, 'error', 'syntax error')})"
                for b in library.failed_blocks]
    return entries, failures


def to_record(fields: dict[str, Any], tasks: list[str], methods: list[str], added: dt.date) -> dict[str, Any]:
    rec: dict[str, Any] = {"title": _clean(str(fields.get("title", "")))}
    authors = fields.get("author") or []
    if isinstance(authors, str):
        authors = [authors]
    names = [_clean(_name(a)) for a in authors]
    names = [n for n in names if n and n.lower() != "others"]
    if names:
        rec["authors"] = names
        if any(_name(a).lower() == "others" for a in authors):
            rec["authors_complete"] = False
    year = str(fields.get("year", "")).strip()
    if year.isdigit():
        rec["year"] = int(year)
    venue_text = fields.get("booktitle") or fields.get("journal") or ""
    if venue_text:
        rec["venue"] = venue_of(_clean(str(venue_text)))
    arxiv = arxiv_of({k: str(v) for k, v in fields.items() if isinstance(v, str)})
    if arxiv:
        rec["arxiv"] = arxiv
    doi = str(fields.get("doi", "")).strip()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.I)
    if re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        rec["doi"] = doi
    url = str(fields.get("url", "")).strip()
    if re.match(r"^https?://", url) and "arxiv.org" not in url:
        rec["url"] = url
    if tasks:
        rec["tasks"] = tasks
    if methods:
        rec["methods"] = methods
    rec["added"] = added
    return rec


def run(text: str, cat: Catalog, tasks: list[str], methods: list[str], added: dt.date) -> Outcome:
    entries, failures = parse(text)
    out = Outcome(failures=failures)
    seen: dict[tuple[str, str], str] = {}
    for pid, p in cat.papers.items():
        for key in _keys(p.arxiv, p.doi, p.title):
            seen.setdefault(key, pid)
    taken = set(cat.papers)
    for bib_key, fields, line in entries:
        rec = to_record(fields, tasks, methods, added)
        if not rec["title"]:
            out.failures.append(f"line {line}: entry '{bib_key}' has no title")
            continue
        hit = next(((k, seen[k]) for k in _keys(rec.get("arxiv"), rec.get("doi"), rec["title"]) if k in seen), None)
        if hit:
            (kind, value), other = hit
            reason = {"arxiv": f"same arXiv id {value}", "doi": f"same DOI {value}"}.get(kind, "near-identical title")
            out.duplicates.append(Duplicate(bib_key, other, reason))
            continue
        if not (rec.get("arxiv") or rec.get("doi") or rec.get("url")):
            out.failures.append(f"line {line}: entry '{bib_key}' has no arXiv id, DOI or URL; not written "
                                "(add an eprint, doi or url field)")
            continue
        rid = make_id(None, rec["title"], rec.get("year"), taken)
        taken.add(rid)
        out.records[rid] = rec
        out.keys[rid] = bib_key
        for key in _keys(rec.get("arxiv"), rec.get("doi"), rec["title"]):
            seen.setdefault(key, f"entry {bib_key}")
    return out


def _keys(arxiv: str | None, doi: str | None, title: str) -> list[tuple[str, str]]:
    spaced, words = title_keys(title)
    keys = [("title", spaced), ("title-words", words)]
    if arxiv:
        keys.insert(0, ("arxiv", arxiv))
    if doi:
        keys.insert(0, ("doi", doi.lower()))
    return keys


def write(outcome: Outcome, catalog_root: Path) -> list[Path]:
    paths = []
    for rid, rec in outcome.records.items():
        path = catalog_root / "papers" / f"{rid}.yaml"
        path.write_text(dump_record(rec), encoding="utf-8")
        paths.append(path)
    return paths
