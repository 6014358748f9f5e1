"""The whole program, top to bottom: load → check → index → rules → derive → render.

``validate()`` runs the first four stages and returns the catalog with a report
of every issue found.  ``build()`` validates, then (only if there is no error)
derives page data, plans every page and writes the site atomically.
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import config, freshness, prefetch, rules, tracking
from .catalog import KIND_ORDER, Catalog, Record
from .check import check, did_you_mean
from .issues import Issue, Report
from .cache import RecordCache, rebuild
from .freshness import Signature, signature
from .loader import Document, LazyDocument, load_file
from .models import KINDS, SINGULAR, Corrections, Taxonomy, is_id
from .progress import Progress

MODELS = {**KINDS, "taxonomy": Taxonomy, "corrections": Corrections}
LABELS = {**SINGULAR, "taxonomy": "taxonomy", "corrections": "corrections log"}

TAXONOMY_FILE = "taxonomy.yaml"
CORRECTIONS_FILE = "corrections.yaml"


class UsageError(Exception):
    """A mistake in how the program was called (exit code 2)."""


def _display(path: Path) -> str:
    """Paths inside the working directory are shown relative to it, others as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass(slots=True)
class Loaded:
    """One file after stage 1: its document, its signature (with the record cache), and whether the
    record cache holds it as it is now (then its document is read only if an issue needs a position)."""

    kind: str
    doc: Document
    sig: Signature | None = None
    clean: bool = True  # loaded without an issue
    cached: bool = False  # the record cache holds it as it is now, clean (see cache.py)


#: what may stand at the top of a catalog folder besides the record folders
ROOT_ENTRIES = {TAXONOMY_FILE, "provenance", CORRECTIONS_FILE, "README.md", *KIND_ORDER}


def discover(root: Path, report: Report,
             listing: freshness.Listing | None = None) -> list[tuple[str, str, Signature | None]]:
    """Every record file as (kind, path relative to ``root``, signature), sorted; stray files are
    reported. ``listing``: what the folder holds (freshness.listing), if the caller took it."""
    records, strays, top, not_folders = listing if listing is not None else freshness.listing(root)
    for name in top:
        if name not in ROOT_ENTRIES and not name.startswith("."):
            close = did_you_mean(name, sorted(ROOT_ENTRIES))
            report.add(Issue(_display(root / name), 0, 0, "unexpected-file",
                             f"'{name}' is not part of a catalog{close}",
                             hint="records go in papers/, datasets/, benchmarks/ or metrics/"))
    for kind in not_folders:
        report.add(Issue(_display(root / kind), 0, 0, "unexpected-file",
                         f"'{kind}' must be a folder of <id>.yaml records"))
    for kind, name in strays:
        path = root / kind / name
        hint = f"rename it to {path.stem}.yaml" if path.suffix == ".yml" else "records are .yaml files"
        report.add(Issue(_display(path), 0, 0, "unexpected-file",
                         f"not a record file: {kind}/ holds only <id>.yaml files", hint=hint))
    return records


def load(root: Path, report: Report, progress: Progress = Progress(),
         cache: RecordCache | None = None, listing: freshness.Listing | None = None) -> list[Loaded]:
    """Stage 1: read the taxonomy, the corrections log and every record into positioned documents.
    A file unchanged since it last checked clean is taken from ``cache`` instead (see cache.py);
    ``listing``: what the catalog folder holds, if the caller took it (see discover)."""
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise UsageError(f"catalog directory '{root}' {what}")
    tax_path = root / TAXONOMY_FILE
    files: list[tuple[str, str]] = []
    if tax_path.is_file():
        files.append(("taxonomy", TAXONOMY_FILE))
    else:
        report.add(Issue(_display(tax_path), 0, 0, "missing-taxonomy",
                         "the catalog has no taxonomy.yaml", hint="every catalog needs the task tree"))
    if (root / CORRECTIONS_FILE).is_file():
        files.append(("corrections", CORRECTIONS_FILE))
    loaded = []
    paths = [(kind, path, None) for kind, path in files] + discover(root, report, listing)
    base = _display(root)  # every record's shown path starts with the catalog's
    prefix = "" if base == "." else base.rstrip("/") + "/"
    top = os.path.join(str(root), "")  # ends with a separator: a file's path is top + its relative path
    with progress.task("reading", len(paths)) as advance:
        for kind, rel, known in paths:
            display, path = prefix + rel, top + rel
            sig = None
            if cache is not None:
                try:
                    sig = known or signature(os.stat(path))
                except OSError:
                    sig = None
                if sig and cache.get(display, sig, kind):
                    loaded.append(Loaded(kind, LazyDocument(display, path), sig, cached=True))
                    advance()
                    continue
            doc, issues = load_file(path, display)
            report.extend(issues)
            loaded.append(Loaded(kind, doc if doc is not None else Document(display, None), sig, clean=not issues))
            advance()
    if cache is not None:
        cache.keep_only({item.doc.file for item in loaded})
    return loaded


def check_all(loaded: list[Loaded], report: Report, cache: RecordCache | None = None) -> Catalog:
    """Stages 2 and 3: check each document against its model and index the valid ones."""
    catalog = Catalog()
    for item in loaded:
        kind, doc = item.kind, item.doc
        rid = doc.file.rpartition("/")[2][:-5]  # the file name without .yaml (shown paths use /)
        if item.cached and cache is not None:  # it checked clean when stored: made when first read
            if kind in KINDS:
                catalog.add(Record(kind, rid, doc.file, None, doc, make=partial(_from_cache, cache, doc, kind), sig=item.sig,
                                   cache=cache))
                continue
            model = _from_cache(cache, doc, kind)
        else:
            if doc.data is None:  # did not load; its issues are already reported
                if kind in KINDS:
                    catalog.broken[kind].add(rid)
                continue
            if kind in KINDS and not is_id(rid):
                report.add(Issue(doc.file, 1, 1, "invalid-id",
                                 f"file name '{rid}' is not a valid id: use lowercase letters, digits and "
                                 "single hyphens, at most 64 characters",
                                 hint="the file name is the record's id, e.g. av-hubert.yaml"))
                continue
            model, issues = check(doc, MODELS[kind], LABELS[kind])
            report.extend(issues)
            if cache is not None and item.sig is not None:
                if model is not None and item.clean and not issues:
                    cache.put(doc.file, item.sig, kind, model)
                else:
                    cache.forget(doc.file)
        if kind == "taxonomy":
            if model is not None:
                catalog.taxonomy, catalog.taxonomy_doc = model, doc  # type: ignore[assignment]
        elif kind == "corrections":
            if model is not None:
                catalog.corrections, catalog.corrections_doc = model.corrections, doc  # type: ignore[attr-defined]
        elif model is not None:  # (if it checked clean, the cache holds its fingerprint now)
            catalog.add(Record(kind, rid, doc.file, model, doc, sig=item.sig, cache=cache))
        else:
            catalog.broken[kind].add(rid)
    return catalog


def _from_cache(cache: RecordCache, doc: LazyDocument, kind: str) -> Any:
    """The model of a file the record cache vouched for, from its stored fields (or, if a killed run
    left them out of step with the index, from the file: it checked clean with this very code)."""
    fields = cache.fields(doc.file)
    if fields is not None:
        return rebuild(MODELS[kind], fields)
    again, issues = load_file(doc._path, doc.file)
    model, more = check(again, MODELS[kind], LABELS[kind]) if again is not None else (None, [])
    if model is None or issues or more:
        raise RuntimeError(f"{doc.file}: the record cache is out of step; run with --no-cache")
    return model


#: Set by the command line (cli.main), which leaves with os._exit: what a run made is kept here
#: until the process ends instead of being freed object by object when ``build`` or ``validate``
#: returns (0.17 s of a full build of 10,000 papers, and as much of an update of one record).
#: None (a library caller, a test, `serve`, which builds again and again): freed as usual.
LEFT_FOR_EXIT: list | None = None


def _leave(made: Any) -> None:
    if LEFT_FOR_EXIT is not None:
        LEFT_FOR_EXIT.append(made)


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection inside the block (the previous setting is restored after it).

    A run makes hundreds of thousands of long-lived objects (records, their fields, the index),
    and the collector would walk all of them again and again as they are made, for garbage it
    rarely finds: pausing it makes validate and build about a fifth faster at 10,000 papers, with
    the same peak memory (benchmarks/README.md). Reference counting still frees everything else.

    When what the run made is left for the exit (LEFT_FOR_EXIT), it is frozen before the collector
    starts again: the first collection would otherwise walk every object made in the block, to
    free none of them (0.15 s at the end of an update of 10,000 papers)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if LEFT_FOR_EXIT is not None:
                gc.freeze()
            gc.enable()


def validate(root: Path, settings: config.Config | None = None, strict: bool = False,
             progress: Progress = Progress(), use_cache: bool = False,
             listing: freshness.Listing | None = None) -> tuple[Catalog, Report]:
    """Load, check, index and run every rule. Never raises for a user mistake in the catalog.

    ``settings`` re-grades rules (error, warning, off); ``strict`` makes warnings errors;
    ``use_cache`` takes files unchanged since they last checked clean from the record cache;
    ``listing``: what the catalog folder holds, if the caller took it already (see discover).
    """
    with gc_paused():
        result = _validate(root, settings, strict, progress, use_cache, listing)
    _leave(result)
    return result


def _validate(root: Path, settings: config.Config | None, strict: bool, progress: Progress,
              use_cache: bool, listing: freshness.Listing | None) -> tuple[Catalog, Report]:
    report = Report()
    cache = RecordCache(root) if use_cache else None
    loaded = load(root, report, progress, cache, listing)
    catalog = check_all(loaded, report, cache)
    if cache is None:
        report.extend(rules.run(catalog))
    else:  # the rules skip records whose clean verdict still holds (see RecordCache.reusable)
        members = {kind: (set(catalog.records[kind]), catalog.broken[kind]) for kind in KIND_ORDER}
        context = rule_context(loaded)
        catalog.reuse = cache.reusable(members, context)
        report.extend(rules.run(catalog))
        cache.remember(_verdicts(catalog, report, cache), members, context)
        catalog.reuse = {}
        cache.save()
    return catalog, config.apply(report, settings or config.Config(), strict)


def rule_context(loaded: list[Loaded]) -> tuple:
    """What every rule verdict depends on, besides the records a record refers to: the year (future
    years), the taxonomy (task ids, leaves), and the metrics (ids, ranges), by file signature."""
    import datetime as dt

    return (dt.date.today().year,
            tuple((item.doc.file, item.sig) for item in loaded if item.kind in ("taxonomy", "metrics")))


def _verdicts(catalog: Catalog, report: Report, cache: RecordCache) -> dict[str, tuple]:
    """file → (signature, records it refers to, duplicate keys) for every record with no issue."""
    flagged = {issue.file for issue in report.issues}
    keys = catalog.memo("paper-keys")
    out: dict[str, tuple] = {}
    for kind in KIND_ORDER:
        for rec in catalog.records[kind].values():
            sig = cache.current.get(rec.file)
            if sig is None or rec.file in flagged:
                continue
            if rec.file in catalog.reuse:
                out[rec.file] = cache.verdicts[rec.file]
            else:
                out[rec.file] = (sig, rules.refs_of(kind, rec.model), keys.get(rec.file))
    return out


def build(root: Path, out: Path, base_url: str = "/", search: bool = False, repo_url: str = "",
          settings: config.Config | None = None, strict: bool = False, progress: Progress = Progress(),
          use_cache: bool = False, seen: prefetch.Seen | None = None) -> Report:
    """Validate, derive every page's data, render, index for search, and put the site in ``out``.

    Writes nothing when the catalog has errors. When no input changed since the site in
    ``out`` was built (see freshness.py), nothing is redone: those inputs validated then.
    With ``use_cache``, a site built before is updated in place: only the pages whose facts
    changed are rendered (incremental.py); otherwise the whole site is rendered and swapped in.
    ``seen``: the catalog's signatures and the site's manifest if a child process took them while
    the program imported (prefetch.py); else they are taken now.
    """
    with gc_paused():
        return _build(root, out, base_url, search, repo_url, settings, strict, progress, use_cache, seen)


def _build(root: Path, out: Path, base_url: str, search: bool, repo_url: str, settings: config.Config | None,
           strict: bool, progress: Progress, use_cache: bool, seen: prefetch.Seen | None) -> Report:
    from . import derive, incremental, render  # templates, Markdown and Jinja load only for a build

    options = {"base_url": base_url, "search": search, "repo_url": repo_url, "strict": strict,
               "severities": (settings or config.Config()).severities,
               # printed on pages (derive.as_of), so a different value must rebuild
               "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "")}
    program = freshness.program_digest(render.templates_dir(), options)
    # one stat per catalog file (the digest, and the loader's signatures), and the site's manifest:
    # taken now unless a child took them, or again if what a killed build left behind changed the site
    if render.recover(out.resolve()) or seen is None:
        seen = prefetch.look(root, out)
    manifest = seen.manifest  # what the site in ``out`` was built from, and its files
    inputs = freshness.digest(program, seen.digest) if seen.listing is not None else ""
    if inputs and seen.up_to_date(inputs):
        return Report(up_to_date=True)  # built from exactly these inputs, which validated then
    # an update patches the data files in the site: they are read in a thread meanwhile
    on_disk = render.OnDisk(out.resolve(), render.ASSEMBLED if use_cache and manifest else ())
    catalog, report = validate(root, settings, strict, progress, use_cache, seen.listing)
    if not report.ok:
        on_disk.wait()
        return report  # (the catalog is left for the exit by validate)
    pages = render.plan(catalog, base_url=base_url, repo_url=repo_url)
    # the state of the site in ``out``, if there is one to update (a manifest): a full build takes
    # the records' fingerprints from the record cache (snapshot), and needs nothing else of it
    previous = incremental.load(out) if use_cache and manifest else None
    if previous is not None and previous.program != program:  # another program: nothing of it is reused
        previous = None
    records = incremental.snapshot(catalog, previous) if use_cache else {}
    digest = incremental.global_digest(program, root, derive.as_of(catalog))
    build_id = inputs[:16]  # the same inputs make the same site; the state names the inputs it saw
    if (previous is not None and previous.digest == digest and manifest.get("build") == previous.build
            and seen.intact()):
        paths = [page.path for page in pages]
        changed = incremental.changes(previous.records, records)
        hit = incremental.expand(previous, tracking.matches(changed) if changed else set())
        stale = incremental.stale(previous, paths, hit)
        gone = set(previous.pages) - set(paths)
        catalog.kept = incremental.kept(previous, hit)  # back-links and pools whose deps did not change
        found = on_disk.wait(previous.spliced)  # those that are as the last build wrote them
        for page in pages:  # a data file of one fragment per record: keep the fragments of unchanged records
            if page.path in stale and page.layout is not None and page.path in found:
                page.splice = (found[page.path], previous.spliced[page.path], hit.deps)
        rendered = render.update([page for page in pages if page.path in stale], gone, out, manifest["files"],
                                 search=search, progress=progress, inputs=inputs, build=build_id)
        for path in gone:
            del previous.pages[path]
            previous.spliced.pop(path, None)
        previous.build, previous.records = build_id, records
        incremental.record_deps(previous, rendered)
        incremental.save(out, previous)
        report.rendered = len(stale)
        _leave(locals())
        return report
    on_disk.wait()  # no thread left when the workers fork
    rendered = render.write(pages, out, search=search, progress=progress, inputs=inputs, build=build_id)
    if use_cache:
        state = incremental.State(build_id, digest, records, program=program)
        incremental.record_deps(state, rendered)
        incremental.save(out, state)
    report.rendered = len(pages)
    _leave(locals())
    return report
