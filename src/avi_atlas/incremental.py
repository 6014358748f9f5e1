"""Rebuild only the pages whose facts changed, and never serve a stale one.

Every build notes what each page read (its deps, tracking.py) and a fingerprint of every record
(a hash of each field). The next build compares fingerprints: the fields that changed, and the
records that came or went, are the changed deps; a page is rendered again when one of its deps
changed or when it is new. All other pages are kept as they are on disk. A value many pages
share (a back-link, a comparison row) is stored once, as a group with its own deps, and the pages
note the group: a change that hits one of its deps hits the group, and so every page that noted
it (``expand``). The data files that hold every record (catalog.json, papers.csv, catalog.bib)
are made of one fragment per record (export.assemble): an update makes again the fragments of
the records that changed and keeps the others' text from the file on disk, unless something the
fragments share changed, or the file is not the one the last build wrote (its digest). Anything
not tracked field by field rebuilds the whole site: the program, the templates, the build
options, the taxonomy, the corrections log and the date the pages print (see ``global_digest``).

The state (fingerprints and deps) lives in the cache folder, not in the site that is published;
it names the build it belongs to, and a site whose manifest names another build is rebuilt in
full. Pages are staged next to the site and moved in under a journal, so that a build killed
at any point leaves either the previous site or, after the next run rolls the journal
forward, the new one (render.commit, render.recover).
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import mmap
import os
import re
from array import array
from bisect import bisect_left, bisect_right
from functools import partial
from itertools import accumulate
from operator import itemgetter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .cache import DIGEST, cache_dir, fingerprint, read_journaled, replacing, write_journaled
from .freshness import signature
from .models import KINDS as MODELS
from .tracking import EVERYTHING

FORMAT = 14
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
    and field fingerprints, and each page's deps. Deps are interned: ``tables`` hold the deps
    (``Table``: one per rendering process), and a page's deps are (table number, array('I') of
    indices) as bytes, which keeps 10,000 pages' deps small to hold, pass between processes, and store.
    ``spliced`` holds, for each data file made of one fragment per record, where its fragments sit
    (render.spliced), so that an update re-makes only the fragments of changed records; ``memo``
    the back-links and related-paper pools worked out, with their deps (Catalog.worked_out), so
    that an update does not build every record's model to work them out again; ``groups`` the deps
    of each shared value the pages noted as one dep (tracking.py), interned like a page's."""

    build: str
    digest: str
    records: dict[tuple[str, str], tuple[tuple, bytes, Any]] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    pages: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    spliced: dict[str, tuple] = field(default_factory=dict)
    memo: dict[tuple, tuple] = field(default_factory=dict)
    program: str = ""  # the program that made it (freshness.program_digest): fingerprints are its own
    table_files: list[str | None] = field(default_factory=list)  # the file of each table, once written
    stored: dict = field(default_factory=dict, repr=False)  # what the state's main file holds (see save)
    groups: Groups = field(default_factory=lambda: Groups())

    def deps_of(self, path: str) -> set[tuple]:
        table, raw = self.pages[path]
        ids = array("I")
        ids.frombytes(raw)
        return {self.tables[table][i] for i in ids}


def encode(dep: tuple) -> str:
    """A dep as one line of a table (``Table``): its parts joined by \\x1f when they are strings of
    ASCII characters with neither that separator nor a line break (nearly every dep), else \\x1e
    and its ``ascii()`` form (a wildcard's None, a group's key that is a tuple). Either way one
    line of ASCII characters, and two deps (of strings, None and tuples of them) never share one."""
    try:
        line = "\x1f".join(dep)
    except TypeError:  # a part that is not a string
        return "\x1e" + ascii(dep)
    if line.isascii() and line.count("\x1f") == len(dep) - 1 and "\n" not in line and line[:1] != "\x1e":
        return line
    return "\x1e" + ascii(dep)


#: an Interner's table starts with this line (EVERYTHING, see Interner), found there by Table.find
EVERYTHING_FIRST = b"\n" + encode(EVERYTHING).encode("ascii") + b"\n"


def decode(line: str) -> tuple:
    """The dep ``encode`` made ``line`` of."""
    return ast.literal_eval(line[1:]) if line[:1] == "\x1e" else tuple(line.split("\x1f"))


class Table:
    """A table of deps as it is stored, passed and searched: its lines (``encode``) in one string
    of bytes, each line after a line break, and where each line starts (and the end). Reading one
    reads two strings of bytes instead of making 300,000 tuples; the few deps an update looks for
    are found by searching those bytes, in C (``find``).

    A table read from its file (``mapped``) is not read at all: ``text`` is the file mapped into
    memory (mmap), of which the lines are the first ``end`` bytes, and ``starts`` a view of it."""

    __slots__ = ("text", "starts", "end", "_where")

    #: above this many deps looked for at once, a table is read into a dict once instead of searched for each
    FEW = 16

    def __init__(self, text: Any = b"\n", starts: Any = None, end: int | None = None):
        self.text = text
        self.starts = starts if starts is not None else array("I", [1])
        self.end = len(text) if end is None else end
        self._where: dict[bytes, int] | None = None

    @classmethod
    def joined(cls, chunks: list[tuple[bytes, bytes]]) -> Table:
        """The table made of ``chunks`` (``pack``) in order."""
        sizes = array("I")
        for _, raw in chunks:
            sizes.frombytes(raw)
        starts = array("I", accumulate(map((1).__add__, sizes), initial=1))  # each line is followed by a break
        return cls(b"\n" + b"".join(text for text, _ in chunks), starts)

    @classmethod
    def of(cls, deps: list[tuple]) -> Table:
        return cls.joined([pack(list(map(encode, deps)))])

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> tuple:
        return decode(self.text[self.starts[n]:self.starts[n + 1] - 1].decode("ascii"))

    def __iter__(self):
        return map(decode, self.lines())

    def lines(self) -> list[str]:
        return self.text[1:self.end - 1].decode("ascii").split("\n") if len(self) else []

    def find(self, needles: list[bytes]) -> set[int]:
        """The indices of the lines among ``needles`` (encoded deps, as bytes) that the table holds:
        a few are searched for in its text, many looked up in a dict of its lines made once."""
        if len(needles) > self.FEW:
            if self._where is None:
                self._where = dict(zip(self.text[1:self.end - 1].split(b"\n"), range(len(self))))  # the lines as they are
            return {n for n in map(self._where.get, needles) if n is not None}
        found = set()
        text, starts, end = self.text, self.starts, self.end
        for needle in needles:
            if needle == EVERYTHING_FIRST[1:-1] and text[:len(EVERYTHING_FIRST)] == EVERYTHING_FIRST:
                found.add(0)  # where an Interner puts it (the lines are distinct: it is nowhere else)
                continue
            at = text.find(b"\n" + needle + b"\n", 0, end)  # a whole line: lines hold no line break
            if at >= 0:
                found.add(bisect_left(starts, at + 1))
        return found


def pack(lines: list[str]) -> tuple[bytes, bytes]:
    """Encoded lines as a chunk of a table: their text, each line followed by a line break, and
    their lengths (array('I') as bytes)."""
    text = "".join(line + "\n" for line in lines) if lines else ""
    return text.encode("ascii"), array("I", map(len, lines)).tobytes()


class Interner:
    """Deps → indices into one table (a rendering process keeps one, and sends new entries along).

    Its first line is always EVERYTHING (tracking.py), which every change hits: an update finds it
    there without searching the table's text for a line of one character (``Table.find``; 8 ms
    for the two tables of a full build at 10,000 papers, where few pages read it)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {EVERYTHING: 0}
        self.deps: list[tuple] = [EVERYTHING]
        self.sent = 0

    def ids(self, deps: frozenset) -> bytes:
        found = list(map(self.index.get, deps))  # in C: a page's deps are mostly known already
        if None in found:
            index, table = self.index, self.deps
            for n, dep in enumerate(deps):  # the deps are distinct: each one not found is new
                if found[n] is None:
                    found[n] = index[dep] = len(table)
                    table.append(dep)
        return array("I", found).tobytes()

    def new(self) -> tuple[bytes, bytes]:
        """The entries added since the last call, as a chunk of the table (``pack``); encoded only
        now, so that a worker does not keep a line beside each dep."""
        fresh, self.sent = self.deps[self.sent:], len(self.deps)
        return pack(list(map(encode, fresh)))

    def table(self) -> Table:
        return Table.of(self.deps)


def state_path(out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:20]
    return cache_dir() / f"pages-{key}.pickle"


TABLE_NAME = re.compile(r"^pages-[0-9a-f]{20}\.t[0-9a-f]{16}\.deps$")
#: a table file (``write_table``): its lines, up to 3 bytes to the next multiple of 4, where each line
#: starts (array('I')), then TABLE_MAGIC, the number of lines and the lines' length (8 bytes each)
TABLE_MAGIC = b"avi-atlas deps 1"
#: tables of fewer lines are merged (``_merge_small``), and so read whole as text
BIG = 50_000


MAPS = ("records", "pages", "spliced", "memo", "groups")  # journaled entry by entry (cache.write_journaled)


def load(out: Path) -> State | None:
    """The state the last build of ``out`` saved, or None (none, another format, or damaged)."""
    path = state_path(out)
    data, stored = read_journaled(path, MAPS)
    if data is None or data.get("format") != FORMAT:
        return None
    try:
        names = data["tables"]
        tables_read = []
        for name in names:  # each table of deps is a file of its own, written once (see save)
            if not (isinstance(name, str) and TABLE_NAME.match(name) and name.startswith(path.stem + ".")):
                return None
            table = mapped(path.with_name(name))
            if table is None:
                return None
            tables_read.append(table)
        packed = _packed(data["packed"], len(tables_read))
        if packed is None:
            return None
        state = State(data["build"], data["digest"], data["records"], tables_read, data["pages"], data["spliced"],
                      data["memo"], data["program"], groups=Groups(data["groups"], packed))
    except (KeyError, TypeError):
        return None
    state.table_files, state.stored = list(names), stored
    return state


def write_table(path: Path, table: Table) -> None:
    """Write ``table`` to ``path`` atomically (cache.replacing), as ``mapped`` reads it. Raises OSError."""
    end = table.end
    with replacing(path) as f:
        f.write(table.text[:end])
        f.write(b"\0" * (-end % 4) + bytes(table.starts) + TABLE_MAGIC
                + len(table).to_bytes(8, "little") + end.to_bytes(8, "little"))


def mapped(path: Path) -> Table | None:
    """The table the file at ``path`` holds (``write_table``), mapped into memory rather than read:
    an update searches the 10 MB of a 10,000-paper site's tables for a few lines, and reading
    them (a copy, and 5,400 pages of memory) took 0.016-0.021 s. None if it is not one. A table of
    fewer than BIG lines, which a merge reads as text, must be ASCII; a bigger one is only searched
    for ASCII lines. (A file mapped may be deleted: the mapping stays until the process ends.)"""
    try:
        with path.open("rb") as f:
            try:
                whole: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # an empty file, or a file system that cannot map files: read it
                whole = f.read()
    except OSError:
        return None
    if len(whole) < 32 or whole[-32:-16] != TABLE_MAGIC:
        return None
    lines, end = int.from_bytes(whole[-16:-8], "little"), int.from_bytes(whole[-8:], "little")
    at = end + -end % 4
    if len(whole) != at + 4 * (lines + 1) + 32:
        return None
    starts = memoryview(whole)[at:at + 4 * (lines + 1)].cast("I")
    if starts[0] != 1 or starts[-1] != end or whole[:1] != b"\n" or (lines < BIG and not whole[:end].isascii()):
        return None
    return Table(whole, starts, end)


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
                files[i] = f"{path.stem}.t{os.urandom(8).hex()}.deps"
                write_table(path.with_name(files[i]), table)
        if not state.stored or len(state.groups.loose) > Groups.LOOSE:  # a new state, or a big update's
            state.groups.pack()
        state.stored = write_journaled(path, {"format": FORMAT, "build": state.build, "digest": state.digest,
                                              "records": state.records, "tables": files, "pages": state.pages,
                                              "spliced": state.spliced, "memo": state.memo, "program": state.program,
                                              "groups": state.groups.loose, "packed": state.groups.packed},
                                       state.stored, MAPS)
        state.table_files = files
        for old in path.parent.glob(f"{path.stem}.t*.*"):
            if old.name not in files:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # no cache: the next build is a full one


def _fields(kind: str) -> tuple[str, ...]:
    return tuple(MODELS[kind].model_fields)


def snapshot(catalog: Any, previous: State | None) -> dict[tuple[str, str], tuple[tuple, bytes, Any]]:
    """Signature, fingerprint and `added` date (its day number) of every record; a record whose file kept its
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
                stored = rec.cache.fingerprint(rec.file) if rec.cache is not None else None  # made when checked
                out[kind, rid] = (sig, stored or fingerprint(model), model.added.toordinal() if model.added else 0)
    newest = max(map(itemgetter(2), out.values()), default=0)  # as day numbers: stored as plain ints
    catalog.memo("as_of")["newest"] = dt.date.fromordinal(newest) if newest else None
    return out


def changes(old: dict, new: dict) -> set[tuple]:
    """The deps that changed between two snapshots: each changed field, and for a record that came
    or went every field, the list of ids of its kind, and its existence."""
    changed: set[tuple] = set()
    # an unchanged record's entry is the very one of the last snapshot (see snapshot)
    moved = [key for key, after in new.items() if old.get(key) is not after]
    for key in (*moved, *(old.keys() - new.keys())):
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


@dataclass
class Hit:
    """What a set of changes hits (``expand``): the deps, and their indices in each table."""

    deps: set[tuple]
    ids: list[set[int]]


def expand(state: State, hit: set[tuple]) -> Hit:
    """``hit`` (tracking.matches of the changes) with the dep of every group it hits, to the end:
    a group is hit when one of its own deps is, a group it read among them included, and then it
    hits its wildcard too (tracking.py)."""
    deps, fresh, loose = set(hit), set(hit), Noted(state.groups.loose)
    ids: list[set[int]] = [set() for _ in state.tables]
    while fresh:
        needles = [encode(dep).encode("ascii") for dep in fresh]
        new = [table.find(needles) - seen for table, seen in zip(state.tables, ids)]
        for seen, more in zip(ids, new):
            seen |= more
        fresh = set()
        for dep in state.groups.holding(new, loose):  # a group hit before is hit again only through a dep found now
            fresh.update((dep, (dep[0], dep[1], None, dep[3])))
        fresh -= deps
        deps |= fresh
    return Hit(deps, ids)


def stale(state: State, paths: list[str], hit: Hit) -> set[str]:
    """The pages to render again: new ones, and those with a dep in ``hit`` (``expand``)."""
    return {path for path in paths if path not in state.pages} | (Noted(state.pages).holding(hit.ids) & set(paths))


class Noted:
    """Pages or groups (key → their table and deps as indices into it, as bytes), to find those that
    hold one of a few indices.

    They are sorted by table once, and the bytes of a table's entries, joined, are searched for
    the bytes of each index hit in that table, in C: the few that hold one are found without a
    Python step for each of the others, and an index hit in a small table (an update's) is not
    searched for among the entries of the big ones. A match may fall across two indices, so only
    a match at a multiple of 4 bytes counts (every entry's bytes are whole indices)."""

    #: above this many indices hit in one table (a change read everywhere), each entry is looked at
    MANY = 64

    def __init__(self, noted: dict[Any, tuple[int, bytes]]):
        self.entries: dict[int, list[tuple[Any, bytes]]] = {}
        for key, (table, raw) in noted.items():
            self.entries.setdefault(table, []).append((key, raw))
        self._joined: dict[int, tuple[bytes, list[int]]] = {}  # per table: its entries' bytes, and where each ends

    def _blob(self, table: int) -> tuple[bytes, list[int]]:
        """A table's entries' bytes joined, and where each ends: made once (``expand`` searches again
        in each round)."""
        if table not in self._joined:
            raws = list(map(itemgetter(1), self.entries[table]))
            self._joined[table] = b"".join(raws), list(accumulate(map(len, raws)))
        return self._joined[table]

    def holding(self, hit_ids: list[set[int]]) -> set:
        """The keys whose deps hold one of the indices ``hit_ids`` (per table)."""
        found = set()
        for table, ids in enumerate(hit_ids):
            entries = self.entries.get(table)
            if not ids or not entries:
                continue
            blob, ends = self._blob(table)
            found.update(entries[n][0] for n in _holding(blob, ends, ids, self.MANY))
        return found


def _holding(blob: bytes, ends: Any, ids: set[int], many: int) -> set[int]:
    """The places of the entries (their bytes joined in ``blob``, each ending at ``ends``) that hold
    one of the indices ``ids``: each index's bytes searched for in C, and only a match at a multiple
    of 4 bytes counted (the bytes of one index); above ``many`` indices, each entry looked at."""
    found = set()
    if len(ids) > many:
        start = 0
        for n, end in enumerate(ends):
            if not ids.isdisjoint(array("I", blob[start:end])):
                found.add(n)
            start = end
        return found
    for needle in (array("I", [i]).tobytes() for i in ids):
        at = blob.find(needle)
        while at >= 0:
            if at % 4 == 0:
                found.add(bisect_right(ends, at))
            at = blob.find(needle, at + 1)
    return found


class Groups:
    """The deps of each value many pages share (tracking.py): group dep → (table, its deps as
    indices into the table, as bytes), like a page's.

    Those the state's main file holds are packed, per table (``packed``): their deps as lines of
    text (``encode``), their indices' bytes joined, where each entry's bytes end, and where each
    line ends (after its line break). Reading them makes four strings of bytes per table, not
    43,000 entries (0.02 s at 10,000 papers), and an update searches them as they are
    (``holding``), decoding only the entries it finds (splitting the lines took 0.005 s of it). Those set
    since (``loose``: an update's few dozen, journaled entry by entry) stand for a packed entry
    with the same dep. A save that starts a main file packs them all (``pack``)."""

    #: loose entries above which a save packs them again (a big update's)
    LOOSE = 4096

    def __init__(self, loose: dict[tuple, tuple[int, bytes]] | None = None,
                 packed: dict[int, tuple[bytes, bytes, bytes]] | None = None):
        self.loose = loose if loose is not None else {}
        self.packed = packed if packed is not None else {}
        self._unpacked: dict[int, tuple[list[str], array]] = {}  # per packed table: its lines and ends
        self._stops: dict[int, tuple[array, array]] = {}  # per packed table: where its entries and lines end

    def __setitem__(self, dep: tuple, entry: tuple[int, bytes]) -> None:
        self.loose[dep] = entry

    def _table(self, table: int) -> tuple[list[str], array]:
        if table not in self._unpacked:
            self._unpacked[table] = self.packed[table][0].decode("ascii").split("\n"), self._ends(table)[0]
        return self._unpacked[table]

    def items(self) -> Iterator[tuple[tuple, tuple[int, bytes]]]:
        """Every group: the packed ones a loose one does not stand for, then the loose ones."""
        for table, (_, raws, _, _) in self.packed.items():
            lines, stops = self._table(table)
            start = 0
            for line, stop in zip(lines, stops):
                dep = decode(line)
                if dep not in self.loose:
                    yield dep, (table, raws[start:stop])
                start = stop
        yield from self.loose.items()

    def pack(self) -> None:
        by_table: dict[int, list[tuple[str, bytes]]] = {}
        for dep, (table, raw) in list(self.items()):
            by_table.setdefault(table, []).append((encode(dep), raw))
        self.packed = {table: ("\n".join(map(itemgetter(0), entries)).encode("ascii"),
                               b"".join(map(itemgetter(1), entries)),
                               array("I", accumulate(len(raw) for _, raw in entries)).tobytes(),
                               array("I", accumulate(len(line) + 1 for line, _ in entries)).tobytes())
                       for table, entries in by_table.items()}
        self.loose, self._unpacked, self._stops = {}, {}, {}

    def _ends(self, table: int) -> tuple[array, array]:
        """Where a packed table's entries end (in its indices' bytes) and its lines (in its text)."""
        if table not in self._stops:
            _, _, ends, line_ends = self.packed[table]
            self._stops[table] = array("I", ends), array("I", line_ends)
        return self._stops[table]

    def _line(self, table: int, n: int) -> str:
        """Line ``n`` of a packed table, cut out of its text without splitting the others, once the
        text shows it is line ``n`` (else the text is split after all)."""
        keys, line_ends = self.packed[table][0], self._ends(table)[1]
        start, end = line_ends[n - 1] if n else 0, line_ends[n] - 1
        if (keys.count(b"\n", 0, start) != n or (start and keys[start - 1:start] != b"\n")
                or keys[end:end + 1] not in (b"\n", b"") or b"\n" in keys[start:end]):
            return self._table(table)[0][n]
        return keys[start:end].decode("ascii")

    def holding(self, hit_ids: list[set[int]], loose: Noted | None = None) -> set[tuple]:
        """The groups whose deps hold one of the indices ``hit_ids`` (per table); ``loose``: the
        loose entries as Noted (made once by the caller, who searches again and again)."""
        found = (loose or Noted(self.loose)).holding(hit_ids)
        for table, ids in enumerate(hit_ids):
            if not ids or table not in self.packed:
                continue
            places = _holding(self.packed[table][1], self._ends(table)[0], ids, Noted.MANY)
            line = self._table(table)[0].__getitem__ if len(places) > Noted.MANY else partial(self._line, table)
            for n in places:
                dep = decode(line(n))
                if dep not in self.loose:
                    found.add(dep)
        return found


def _packed(stored: Any, tables: int) -> dict[int, tuple[bytes, bytes, bytes, bytes]] | None:
    """Packed groups as a state file holds them (see Groups), or None if they are not."""
    if not isinstance(stored, dict):
        return None
    for table, entry in stored.items():
        if not (isinstance(table, int) and 0 <= table < tables and isinstance(entry, tuple) and len(entry) == 4
                and all(isinstance(part, bytes) for part in entry)):
            return None
        keys, raws, ends, line_ends = entry
        if (len(ends) % 4 or len(raws) % 4 or not keys.isascii() or keys.count(b"\n") + 1 != len(ends) // 4
                or len(line_ends) != len(ends) or ends[-4:] != array("I", [len(raws)]).tobytes()
                or line_ends[-4:] != array("I", [len(keys) + 1]).tobytes()):
            return None
    return stored


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
    for dep, (table, raw) in rendered.groups.items():
        state.groups[dep] = (base + table, raw)
    if len(state.tables) > 16:
        _merge_small(state)


def kept(state: State, hit: Hit) -> dict[tuple, tuple]:
    """The cached values of the last build that still hold: none of their deps is hit. The others
    are dropped from the state (they are worked out again if a page needs them)."""
    state.memo = {key: entry for key, entry in state.memo.items() if entry[1].isdisjoint(hit.deps)}
    return state.memo


def _merge_small(state: State, big: int = BIG) -> None:
    """Merge the small tables (an update's each) into one, placed after the big ones (a full build's).

    Usually every big table comes before every small one, and no packed group names a table after
    the first small one. Then the first small table keeps its place, and its lines keep theirs at
    the head of the merged table: only the entries naming a later table are moved (an update's few
    dozen pages and loose groups), and the packed groups are neither read nor packed again. Else
    every entry is moved and the groups are packed anew (0.3 s at 10,000 papers)."""
    keep = [i for i, table in enumerate(state.tables) if len(table) >= big]
    first = len(keep)  # the merged table's place
    in_place = (keep == list(range(first)) and first < len(state.tables)
                and all(table <= first for table in state.groups.packed))
    merged = state.tables[first].lines() if in_place else []  # the merged table's lines
    index = {line: n for n, line in enumerate(merged)}
    remap = {old: new for new, old in enumerate(keep)}
    lines: dict[int, list[str]] = {}

    def place(line: str) -> int:
        if line not in index:
            index[line] = len(merged)
            merged.append(line)
        return index[line]

    for noted in (state.pages, state.groups.loose if in_place else state.groups):
        for key, (table, raw) in list(noted.items()):
            if in_place and table <= first:
                continue  # a big table's entry, or the first small one's: as it was
            if table in remap:
                noted[key] = (remap[table], raw)
                continue
            if table not in lines:
                lines[table] = state.tables[table].lines()
            ids = array("I")
            ids.frombytes(raw)
            noted[key] = (first, array("I", map(place, map(lines[table].__getitem__, ids))).tobytes())
    if not in_place:
        state.groups.pack()  # (every group was set again, loose)
    state.tables = [state.tables[i] for i in keep] + [Table.joined([pack(merged)])]
    state.table_files = [state.table_files[i] for i in keep] + [None]
