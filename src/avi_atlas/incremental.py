"""Rebuild only the pages whose facts changed, and never serve a stale one.

Every build notes what each page read (its deps, tracking.py) and a fingerprint of every record
(a hash of each field). The next build compares fingerprints: the fields that changed, and the
records that came or went, are the changed deps; a page is rendered again when one of its deps
changed or when it is new. All other pages are kept as they are on disk. The data files that
hold every record (catalog.json, papers.csv, catalog.bib) are made of one fragment per record
(export.assemble): an update makes again the fragments of the records that changed and keeps the
others' text from the file on disk, unless something the fragments share changed, or the file
is not the one the last build wrote (its digest). Anything not tracked field by field rebuilds
the whole site: the program, the templates, the build options, the taxonomy, the corrections log
and the date the pages print (see ``global_digest``).

The state (fingerprints and deps) lives in the cache folder, not in the site that is published;
it names the build it belongs to, and a site whose manifest names another build is rebuilt in
full. Pages are staged next to the site and moved in under a journal, so that a build killed
at any point leaves either the previous site or, after the next run rolls the journal
forward, the new one (render.commit, render.recover).
"""

from __future__ import annotations

import hashlib
import os
import re
from array import array
from itertools import compress, count
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import cache_dir, read_journaled, read_plain, signature, write_journaled, write_plain
from .models import KINDS as MODELS

FORMAT = 6
KINDS = ("papers", "datasets", "benchmarks", "metrics")


def global_digest(program: str, root: Path, as_of: Any) -> str:
    """Everything whose change rebuilds every page: program, templates and options (``program``,
    from freshness.program_digest), the taxonomy and corrections log by content, and the date
    the pages print."""
    h = hashlib.sha256(f"{FORMAT} {program} {as_of}".encode())
    for name in ("taxonomy.yaml", "corrections.yaml"):
        path = root / name
        h.update(b"\0" + name.encode() + b"\0")
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@dataclass
class State:
    """What the last build of one site knew: its id, its global digest, each record's signature
    and field fingerprints, and each page's deps. Deps are interned: ``tables`` are lists of deps
    (one per rendering process), and a page's deps are (table number, array('I') of indices) as
    bytes, which keeps 10,000 pages' deps small to hold, pass between processes, and store.
    ``spliced`` holds, for each data file made of one fragment per record, where its fragments sit
    (render.spliced), so that an update re-makes only the fragments of changed records; ``memo``
    the back-links and related-paper pools worked out, with their deps (Catalog.worked_out), so
    that an update does not build every record's model to work them out again."""

    build: str
    digest: str
    records: dict[tuple[str, str], tuple[tuple, bytes, Any]] = field(default_factory=dict)
    tables: list[list[tuple]] = field(default_factory=list)
    pages: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    spliced: dict[str, tuple] = field(default_factory=dict)
    memo: dict[tuple, tuple] = field(default_factory=dict)
    program: str = ""  # the program that made it (freshness.program_digest): fingerprints are its own
    table_files: list[str | None] = field(default_factory=list)  # the file of each table, once written
    stored: dict = field(default_factory=dict, repr=False)  # what the state's main file holds (see save)

    def deps_of(self, path: str) -> set[tuple]:
        table, raw = self.pages[path]
        ids = array("I")
        ids.frombytes(raw)
        return {self.tables[table][i] for i in ids}


class Interner:
    """Deps → indices into one table (a rendering process keeps one, and sends new entries along)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.table: list[tuple] = []
        self.sent = 0

    def ids(self, deps: frozenset) -> bytes:
        found = list(map(self.index.get, deps))  # in C: a page's deps are mostly known already
        if None in found:
            index, table = self.index, self.table
            for n, dep in enumerate(deps):  # the deps are distinct: each one not found is new
                if found[n] is None:
                    found[n] = index[dep] = len(table)
                    table.append(dep)
        return array("I", found).tobytes()

    def new(self) -> list[tuple]:
        """The entries added since the last call."""
        fresh, self.sent = self.table[self.sent:], len(self.table)
        return fresh


def state_path(out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:20]
    return cache_dir() / f"pages-{key}.pickle"


TABLE_NAME = re.compile(r"^pages-[0-9a-f]{20}\.t[0-9a-f]{16}\.pickle$")


MAPS = ("records", "pages", "spliced", "memo")  # journaled entry by entry (cache.write_journaled)


def load(out: Path) -> State | None:
    """The state the last build of ``out`` saved, or None (none, another format, or damaged)."""
    path = state_path(out)
    data, stored = read_journaled(path, MAPS)
    if data is None or data.get("format") != FORMAT:
        return None
    try:
        names = data["tables"]
        tables = []
        for name in names:  # each table of deps is a file of its own, written once (see save)
            if not (isinstance(name, str) and TABLE_NAME.match(name) and name.startswith(path.stem + ".")):
                return None
            table = read_plain(path.with_name(name))
            if not isinstance(table, list):
                return None
            tables.append(table)
        state = State(data["build"], data["digest"], data["records"], tables, data["pages"], data["spliced"],
                      data["memo"], data["program"])
    except (KeyError, TypeError):
        return None
    state.table_files, state.stored = list(names), stored
    return state


def save(out: Path, state: State) -> None:
    """Write the state: the tables of deps not written yet each to a file of their own (an update
    adds a small one, and the big ones of the full build are not written again), then the rest
    (after an update, as a journal of the entries it changed: cache.write_journaled), then
    delete the table files it no longer names."""
    path = state_path(out)
    try:
        files = list(state.table_files)
        for i, table in enumerate(state.tables):
            if files[i] is None:
                files[i] = f"{path.stem}.t{os.urandom(8).hex()}.pickle"
                write_plain(path.with_name(files[i]), table)
        state.stored = write_journaled(path, {"format": FORMAT, "build": state.build, "digest": state.digest,
                                              "records": state.records, "tables": files, "pages": state.pages,
                                              "spliced": state.spliced, "memo": state.memo, "program": state.program},
                                       state.stored, MAPS)
        state.table_files = files
        for old in path.parent.glob(f"{path.stem}.t*.pickle"):
            if old.name not in files:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # no cache: the next build is a full one


DIGEST = 8  # bytes of a field's hash


def fingerprint(model: Any) -> bytes:
    """Each field of a model, hashed (8 bytes of BLAKE2b of its repr: a missed change would need a
    collision in 2**64), in the model's field order, as one string of bytes (quick to store)."""
    return b"".join(hashlib.blake2b(repr(getattr(model, name)).encode(), digest_size=DIGEST).digest()
                    for name in type(model).model_fields)


def _fields(kind: str) -> tuple[str, ...]:
    return tuple(MODELS[kind].model_fields)


def snapshot(catalog: Any, previous: State | None) -> dict[tuple[str, str], tuple[tuple, bytes, Any]]:
    """Signature, fingerprint and `added` date of every record; a record whose file kept its
    signature keeps them from ``previous`` (its file, so its fields, did not change), so an update
    builds the models of the changed records only. Also tells the catalog its newest `added` date
    (derive.as_of), which would otherwise read every record."""
    old = previous.records if previous else {}
    out = {}
    for kind in KINDS:
        for rid, rec in catalog.records[kind].items():
            sig = rec.sig  # stat-ed while loading; a record loaded without the record cache is stat-ed now
            if sig is None:
                try:
                    sig = signature(os.stat(rec.file))
                except OSError:
                    sig = ()
            known = old.get((kind, rid))
            if known is not None and sig and known[0] == sig:
                out[kind, rid] = known
            else:
                model = rec.model
                out[kind, rid] = (sig, fingerprint(model), model.added)
    catalog.memo("as_of")["newest"] = max((entry[2] for entry in out.values() if entry[2]), default=None)
    return out


def changes(old: dict, new: dict) -> set[tuple]:
    """The deps that changed between two snapshots: each changed field, and for a record that came
    or went every field, the list of ids of its kind, and its existence."""
    changed: set[tuple] = set()
    for key in old.keys() | new.keys():
        kind, rid = key
        before, after = old.get(key), new.get(key)
        if before is None or after is None:
            changed.update(("f", kind, rid, name) for name in _fields(kind))
            changed.update({("ids", kind), ("has", kind, rid), ("f", kind, rid, "*")})
        elif before[1] != after[1]:
            a, b = before[1], after[1]
            changed.update(("f", kind, rid, name) for i, name in enumerate(_fields(kind))
                           if a[i * DIGEST:(i + 1) * DIGEST] != b[i * DIGEST:(i + 1) * DIGEST])
    return changed


def stale(state: State, paths: list[str], hit: set[tuple]) -> set[str]:
    """The pages to render again: new ones, and those with a dep in ``hit`` (tracking.matches of
    the changes).

    A page's deps are indices into its table, stored as bytes. When a few indices are hit (one
    record changed), a page is first searched for their bytes, in C: most pages do not hold them
    and are passed over without building their array. A match may fall across two indices, so
    the page's array decides."""
    hit_ids = [set(compress(count(), map(hit.__contains__, table))) for table in state.tables]
    needles = [[array("I", [i]).tobytes() for i in ids] if len(ids) <= 16 else None for ids in hit_ids]
    out = set()
    for path in paths:
        known = state.pages.get(path)
        if known is None:
            out.add(path)
            continue
        table, raw = known
        if not hit_ids[table]:
            continue
        few = needles[table]
        if few is not None and not any(needle in raw for needle in few):
            continue
        ids = array("I")
        ids.frombytes(raw)
        if not hit_ids[table].isdisjoint(ids):
            out.add(path)
    return out


def record_deps(state: State, rendered: Any) -> None:
    """Store (or replace) what rendering noted (render.Rendered): the deps of the rendered pages,
    the splice records of the data files and the cached values worked out. Many small tables from
    updates are merged into one now and then."""
    state.spliced.update(rendered.spliced)
    state.memo.update(rendered.memo)
    base = len(state.tables)
    state.tables.extend(rendered.tables)
    state.table_files.extend([None] * len(rendered.tables))  # written by the next save
    for path, (table, raw) in rendered.pages.items():
        state.pages[path] = (base + table, raw)
    if len(state.tables) > 16:
        _merge_small(state)


def kept(state: State, hit: set[tuple]) -> dict[tuple, tuple]:
    """The cached values of the last build that still hold: none of their deps is in ``hit``. The
    others are dropped from the state (they are worked out again if a page needs them)."""
    state.memo = {key: entry for key, entry in state.memo.items() if entry[1].isdisjoint(hit)}
    return state.memo


def _merge_small(state: State, big: int = 50_000) -> None:
    keep = [i for i, table in enumerate(state.tables) if len(table) >= big]
    remap = {old: new for new, old in enumerate(keep)}
    merged = Interner()
    for path, (table, raw) in list(state.pages.items()):
        if table in remap:
            state.pages[path] = (remap[table], raw)
            continue
        ids = array("I")
        ids.frombytes(raw)
        state.pages[path] = (len(keep), merged.ids(frozenset(state.tables[table][i] for i in ids)))
    state.tables = [state.tables[i] for i in keep] + [merged.table]
    state.table_files = [state.table_files[i] for i in keep] + [None]
