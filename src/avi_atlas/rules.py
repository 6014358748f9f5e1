"""Cross-record rules: each is a small function from the Catalog to Issues.

A rule never stops at the first problem; it yields every issue it finds, each
at the YAML node that is wrong, with a stable code.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any, Callable, Iterable, Iterator

from .catalog import TREES, Catalog, Record
from .check import did_you_mean
from .issues import Issue, Severity

Rule = Callable[[Catalog], Iterable[Issue]]
RULES: list[Rule] = []

#: codes whose default severity is "warning" (all others are errors)
WARNINGS = {"arxiv-date-mismatch", "duplicate-entry", "duplicate-result", "venue-style"}


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def run(catalog: Catalog) -> list[Issue]:
    return [issue for fn in RULES for issue in fn(catalog)]


def _checked(cat: Catalog, kind: str) -> Iterable[Record]:
    """The records of ``kind`` whose rules must run: all, but those whose verdict the record cache
    still vouches for (``cat.reuse``: unchanged, clean last time, and nothing they refer to changed)."""
    if not cat.reuse:
        return cat.records[kind].values()
    made = cat.memo("checked")  # once per kind for all the rules of a run (8 passes over 11,000 records: 4 ms)
    if made.get("reuse") is not cat.reuse:  # another run, with other verdicts
        made.clear()
        made["reuse"] = cat.reuse
    if kind not in made:
        reuse = cat.reuse
        made[kind] = [rec for rec in cat.records[kind].values() if rec.file not in reuse]
    return made[kind]


def refs_of(kind: str, model: Any) -> tuple[tuple[str, str], ...]:
    """Every record (kind, id) that the rules look up for a record of ``kind``. A record's verdict is
    reused only while each of these keeps its state (present, absent or broken), so a rule that
    reads another record must name it here; taxonomy and metric changes re-run every rule."""
    refs: list[tuple[str, str]] = []
    if kind == "papers":
        refs += [("datasets", d) for d in (*model.datasets, *model.training_data)]
    elif kind == "benchmarks":
        refs += [("datasets", s.dataset) for s in model.datasets]
        refs += [("metrics", m) for m in model.metrics]
        for row in model.results:
            refs += [("papers", p) for p in (row.paper, row.source.paper) if p]
            refs += [("metrics", m) for m in row.values]
    if kind != "papers" and model.paper:
        refs.append(("papers", model.paper))
    return tuple(dict.fromkeys(refs))


def _issue(rec: Record, loc: tuple, code: str, message: str, hint: str = "", key: bool = False) -> Issue:
    from .check import field_path

    line, col = rec.where(*loc, key=key)
    severity = Severity.WARNING if code in WARNINGS else Severity.ERROR
    return Issue(rec.file, line, col, code, message, severity, field_path(loc), hint)


# ---- taxonomy ------------------------------------------------------------
@rule
def taxonomy_structure(cat: Catalog) -> Iterator[Issue]:
    if not cat.taxonomy or not cat.taxonomy_doc:
        return
    doc = cat.taxonomy_doc
    rec = Record("taxonomy", "taxonomy", doc.file, cat.taxonomy, doc)
    for tree in TREES:
        seen: dict[str, int] = {}
        nodes = getattr(cat.taxonomy, tree)
        for i, node in enumerate(nodes):
            if node.id in seen:
                yield _issue(rec, (tree, i, "id"), "duplicate-id",
                             f"'{node.id}' is already the id of {tree}[{seen[node.id]}]")
                continue
            seen[node.id] = i
        ids = {n.id for n in nodes}
        for i, node in enumerate(nodes):
            if tree == "challenges" and node.parent:
                yield _issue(rec, (tree, i, "parent"), "invalid-parent", "challenges have no parent")
            elif node.parent and node.parent not in ids:
                yield _issue(rec, (tree, i, "parent"), "unknown-parent",
                             f"'{node.parent}' is not an id in {tree}{did_you_mean(node.parent, ids)}")
            elif node.parent and _in_cycle(cat.nodes[tree], node.id):
                yield _issue(rec, (tree, i, "parent"), "taxonomy-cycle",
                             f"'{node.id}' is its own ancestor", hint="every chain of parents must end at a root")


def _in_cycle(nodes: dict, start: str) -> bool:
    seen: set[str] = set()
    current = nodes[start].parent
    while current and current in nodes and current not in seen:
        if current == start:
            return True
        seen.add(current)
        current = nodes[current].parent
    return False


# ---- references ------------------------------------------------------------
def _ref_check(cat: Catalog, rec: Record, loc: tuple, value: str, target: str) -> Iterator[Issue]:
    """One reference from ``rec`` at ``loc`` to an id of kind/tree ``target``."""
    if target in TREES:
        ids = cat.nodes[target]
        label = {"tasks": "task", "methods": "method", "challenges": "challenge"}[target]
        if value not in ids:
            choices = cat.leaves(target) if target != "challenges" else list(ids)
            yield _issue(rec, loc, f"unknown-{label}",
                         f"'{value}' is not a {label} id{did_you_mean(value, choices)}")
        elif target != "challenges" and cat.children[target].get(value):
            leaves = [d for d in cat.descendants(target, value) if not cat.children[target].get(d)]
            yield _issue(rec, loc, "not-a-leaf",
                         f"'{value}' is a group of {label}s; list the specific {label}(s) instead",
                         hint="one of: " + ", ".join(leaves[:12]) if leaves else "")
        return
    singular = target[:-1]
    ids = cat.records[target]
    if value not in ids and value not in cat.broken[target]:
        yield _issue(rec, loc, f"unknown-{singular}",
                     f"'{value}' is not a {singular} id in the catalog{did_you_mean(value, ids)}",
                     hint=f"add catalog/{target}/{value}.yaml, or fix the id")


def _dupes_in_list(rec: Record, field: str, values: list[str]) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            yield _issue(rec, (field, i), "duplicate-entry", f"'{v}' is listed twice")
        seen.add(v)


@rule
def references(cat: Catalog) -> Iterator[Issue]:
    for rec in _checked(cat, "papers"):
        p = rec.model
        for field, target in (("tasks", "tasks"), ("methods", "methods"), ("challenges", "challenges"),
                              ("datasets", "datasets"), ("training_data", "datasets")):
            values = getattr(p, field)
            yield from _dupes_in_list(rec, field, values)
            for i, v in enumerate(values):
                yield from _ref_check(cat, rec, (field, i), v, target)
    for rec in _checked(cat, "datasets"):
        d = rec.model
        if d.paper:
            yield from _ref_check(cat, rec, ("paper",), d.paper, "papers")
        yield from _dupes_in_list(rec, "tasks", d.tasks)
        for i, t in enumerate(d.tasks):
            yield from _ref_check(cat, rec, ("tasks", i), t, "tasks")
    for rec in _checked(cat, "metrics"):
        if rec.model.paper:
            yield from _ref_check(cat, rec, ("paper",), rec.model.paper, "papers")
    for rec in _checked(cat, "benchmarks"):
        b = rec.model
        if b.paper:
            yield from _ref_check(cat, rec, ("paper",), b.paper, "papers")
        for i, t in enumerate(b.tasks):
            yield from _ref_check(cat, rec, ("tasks", i), t, "tasks")
        for i, split in enumerate(b.datasets):
            yield from _ref_check(cat, rec, ("datasets", i, "dataset"), split.dataset, "datasets")
        yield from _dupes_in_list(rec, "metrics", b.metrics)
        for i, m in enumerate(b.metrics):
            yield from _ref_check(cat, rec, ("metrics", i), m, "metrics")


@rule
def corrections(cat: Catalog) -> Iterator[Issue]:
    if not cat.corrections_doc:
        return
    rec = Record("corrections", "corrections", cat.corrections_doc.file, None, cat.corrections_doc)
    for i, c in enumerate(cat.corrections):
        if c.record not in cat.records["papers"] and c.record not in cat.broken["papers"]:
            yield _issue(rec, ("corrections", i, "record"), "unknown-paper",
                         f"'{c.record}' is not a paper id in the catalog"
                         f"{did_you_mean(c.record, cat.records['papers'])}")


# ---- results ---------------------------------------------------------------
@rule
def results(cat: Catalog) -> Iterator[Issue]:
    papers = cat.records["papers"]
    for rec in _checked(cat, "benchmarks"):
        b = rec.model
        declared = set(b.metrics)
        seen: dict[tuple, int] = {}
        for i, row in enumerate(b.results):
            if row.paper:
                yield from _ref_check(cat, rec, ("results", i, "paper"), row.paper, "papers")
            if row.source.paper and row.source.paper not in papers and row.source.paper not in cat.broken["papers"]:
                yield _issue(rec, ("results", i, "source", "paper"), "unknown-source",
                             f"source paper '{row.source.paper}' is not in the catalog"
                             f"{did_you_mean(row.source.paper, papers)}",
                             hint="every number must name a catalog paper or an official leaderboard URL")
            for metric_id, value in row.values.items():
                loc = ("results", i, "values", metric_id)
                if metric_id not in cat.metrics:
                    yield _issue(rec, loc, "unknown-metric",
                                 f"'{metric_id}' is not a metric id in the catalog"
                                 f"{did_you_mean(metric_id, cat.metrics)}", key=True)
                elif metric_id not in declared:
                    yield _issue(rec, loc, "undeclared-metric",
                                 f"'{metric_id}' is not among this benchmark's metrics ({', '.join(b.metrics)})",
                                 hint=f"add '{metric_id}' to `metrics:` or remove the value", key=True)
                elif not cat.metrics[metric_id].in_range(value):
                    low, high = cat.metrics[metric_id].range  # type: ignore[misc]
                    yield _issue(rec, loc, "value-out-of-range",
                                 f"{value:g} is outside the range of {metric_id} "
                                 f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]")
            who = (row.paper or row.system, row.variant, row.notes)
            if who in seen:
                yield _issue(rec, ("results", i), "duplicate-result",
                             f"the same system and variant already has a row (results[{seen[who]}])",
                             hint="give the rows distinct `variant:` or `notes:`")
            seen.setdefault(who, i)


# ---- duplicates across records -------------------------------------------
def normalize_title(title: str) -> str:
    """Lowercase, accents and punctuation removed, whitespace collapsed."""
    if title.isascii():  # nothing to decompose
        text = title.casefold()
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def title_keys(title: str) -> tuple[str, str]:
    """Two keys under which near-identical titles collide: the letters run together, and the set of words."""
    norm = normalize_title(title)
    return norm.replace(" ", ""), " ".join(sorted(set(norm.split())))


def paper_keys(p: Any) -> tuple[str | None, str | None, str, str]:
    """What two records of one work share: arXiv id, DOI, and the two title keys."""
    return (p.arxiv, p.doi.lower() if p.doi else None, *title_keys(p.title))


@rule
def duplicates(cat: Catalog) -> Iterator[Issue]:
    """Across all papers, so it always runs; the record cache keeps each unchanged paper's keys."""
    fields = ("arxiv", "doi", "title", "title-words")
    first: tuple[dict[str, str], ...] = tuple({} for _ in fields)  # per key: its value → first paper
    computed, reuse, papers = cat.memo("paper-keys"), cat.reuse, cat.records["papers"]
    order = sorted(papers)
    every = []
    for pid in order:
        rec = papers[pid]
        keys = reuse.get(rec.file)
        if keys is None:
            keys = computed[rec.file] = paper_keys(rec.model)
        every.append(keys)
    if all(len(set(column) - {None, ""}) == len(column) - column.count(None) - column.count("")
           for column in zip(*every)):
        return  # no key is shared (counted in C; the usual case), so nothing to report
    for pid, keys in zip(order, every):
        rec = papers[pid]
        reported_title = False
        for field, key, seen in zip(fields, keys, first):
            if not key:
                continue
            other = seen.setdefault(key, pid)
            if other == pid:
                continue
            other_file = cat.records["papers"][other].file
            if field in ("arxiv", "doi"):
                yield _issue(rec, (field,), f"duplicate-{field}",
                             f"{field} '{getattr(rec.model, field)}' is also on '{other}' ({other_file})",
                             hint="one work, one record: merge them, or fix the wrong id")
            elif not reported_title:
                reported_title = True
                yield _issue(rec, ("title",), "duplicate-title",
                             f"title is the same as that of '{other}' ({other_file})",
                             hint="one work, one record: merge the two files")


# ---- venue spelling ------------------------------------------------------------
VENUE_SPELLING = {"nips": "NeurIPS", "neurips": "NeurIPS", "acmmm": "ACM MM", "acm multimedia": "ACM MM",
                  "arxiv": "arXiv", "interspeech": "Interspeech", "iclr": "ICLR", "cvpr": "CVPR", "iccv": "ICCV",
                  "eccv": "ECCV", "icml": "ICML", "aaai": "AAAI", "icassp": "ICASSP", "tpami": "TPAMI"}


@rule
def venue_style(cat: Catalog) -> Iterator[Issue]:
    for rec in _checked(cat, "papers"):
        venue = rec.model.venue
        if not venue:
            continue
        if re.search(r"\b(19|20)\d\d\b", venue):
            yield _issue(rec, ("venue",), "venue-style", f"'{venue}' has a year in it",
                         hint="write the venue's name only (CVPR, NeurIPS); the year goes in `year:`")
        elif VENUE_SPELLING.get(venue.lower(), venue) != venue:
            yield _issue(rec, ("venue",), "venue-style",
                         f"'{venue}' is spelled '{VENUE_SPELLING[venue.lower()]}' in this catalog")


# ---- dates -----------------------------------------------------------------
_ARXIV_NEW = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")


@rule
def dates(cat: Catalog) -> Iterator[Issue]:
    this_year = _dt.date.today().year  # part of the record cache's context (pipeline.rule_context)
    for rec in _checked(cat, "papers"):
        p = rec.model
        if p.year and p.year > this_year + 1:
            yield _issue(rec, ("year",), "future-year", f"{p.year} is in the future")
        if p.date and p.year and int(p.date[:4]) > p.year:
            yield _issue(rec, ("date",), "date-after-year",
                         f"first version {p.date} is later than the year {p.year}",
                         hint="`date` is the first public version, `year` the venue's year")
        if p.date and p.arxiv:
            m = _ARXIV_NEW.match(p.arxiv)
            # the id's month is v1's month, or the next one for a paper sent in at a month's end
            id_month = int(m[1]) * 12 + int(m[2]) if m else 0
            date_month = (int(p.date[:4]) - 2000) * 12 + int(p.date[5:7])
            if m and id_month - date_month not in (0, 1):
                yield _issue(rec, ("date",), "arxiv-date-mismatch",
                             f"date {p.date} differs from the month of arXiv {p.arxiv} (20{m[1]}-{m[2]})",
                             hint="`date` is the month of arXiv v1 (the id's month, or the month before); check both")
    for kind in ("datasets",):
        for rec in _checked(cat, kind):
            y = rec.model.year
            if y and y > this_year + 1:
                yield _issue(rec, ("year",), "future-year", f"{y} is in the future")

