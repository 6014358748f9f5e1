"""Checked records kept between runs, so that `validate` and `build` re-read only changed files.

A record file that loaded and checked without an issue is stored with its signature (size,
modification time, inode) and its fields as plain data. On the next run a file whose signature is
unchanged is not parsed or checked again: its model is rebuilt from the stored fields (they were
valid when stored), and its YAML positions are computed only if a cross-record rule reports an
issue in it. Cross-record rules always run on the whole catalog.

The cache can never serve a stale record: any change to a file's size, time or inode, to the
program's code, or to the Python or pydantic version discards the entry. It lives outside the
catalog (``$AVI_ATLAS_CACHE_DIR``, else ``$XDG_CACHE_HOME/avi-atlas``, else ``~/.cache/avi-atlas``),
so a pull request cannot plant one, and it is read with an unpickler that accepts plain data only.
Any problem with the cache makes it empty, never an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import pickle
import sys
import types
import zlib
from itertools import compress
from operator import eq, is_not
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Iterator, Union, get_args, get_origin

from pydantic import BaseModel, __version__ as pydantic_version

from . import freshness
from .freshness import Signature  # (size, modification time, inode)

FORMAT = 5
DIGEST = 8  # bytes of a field's hash in a fingerprint


def cache_dir() -> Path:
    explicit = os.environ.get("AVI_ATLAS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "avi-atlas"


def _code_digest() -> str:
    return hashlib.sha256(f"{FORMAT} {sys.version} {pydantic_version} {freshness.code_digest()}".encode()).hexdigest()


class _PlainData(pickle.Unpickler):
    """Unpickles dicts, lists, tuples, strings, numbers and dates; refuses every other class."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("datetime", "date"):
            return dt.date
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def read_plain(path: Path) -> Any:
    """What ``path`` holds, if it is plain data (see _PlainData); None if it is not, or unreadable."""
    try:
        with path.open("rb") as f:
            return _PlainData(io.BytesIO(f.read())).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError):
        return None


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write what ``path`` will hold: a temporary file beside it (its folder made if need
    be), which takes its place once written, so that a reader sees the old file or the new one,
    whole. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        yield f
    os.replace(tmp, path)


def write_plain(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically (``replacing``). Raises OSError."""
    with replacing(path) as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


# ---- a dict of maps, stored as a main file and a journal of the changes since -----------------------
#: a journal is folded into its main file once it changes more than this share of the entries
JOURNAL_SHARE = 0.125
_ABSENT = object()


def journal_path(path: Path) -> Path:
    return path.with_name(path.stem + ".journal" + path.suffix)


def read_journaled(path: Path, maps: tuple[str, ...]) -> tuple[dict | None, dict]:
    """The dict stored at ``path`` (write_journaled) with its journal applied, or None; and what
    its main file holds (``base``, for the next write_journaled). The ``maps`` are dicts of
    entries, journaled entry by entry; any other key is stored whole in each journal that changes it
    (a value that is not the very object ``base`` holds: callers replace a value, never change it)."""
    main = read_plain(path)
    if not isinstance(main, dict) or not all(isinstance(main.get(name), dict) for name in maps):
        return None, {}
    data = {key: dict(value) if key in maps else value for key, value in main.items()}
    journal = read_plain(journal_path(path))
    if isinstance(journal, dict) and main.get("token") is not None and journal.get("token") == main["token"]:
        try:
            for name in maps:
                data[name].update(journal["set"][name])
                for key in journal["drop"][name]:
                    data[name].pop(key, None)
            data.update(journal["whole"])
        except (KeyError, TypeError, AttributeError):
            return None, {}
    return data, main


def _delta(new: dict, old: dict) -> tuple[dict, list]:
    """The entries of ``new`` whose value is not the very object ``old`` holds for their key, and
    the keys of ``old`` that ``new`` lacks. When both have the same keys in the same order (an
    update's usual case), the values are compared in C, not by a Python step per entry (10,000
    records and 11,000 pages each save)."""
    if len(new) == len(old) and all(map(eq, new, old)):
        return {key: new[key] for key in compress(new, map(is_not, new.values(), old.values()))}, []
    return ({key: value for key, value in new.items() if old.get(key, _ABSENT) is not value},
            [key for key in old if key not in new])


def write_journaled(path: Path, data: dict, base: dict, maps: tuple[str, ...]) -> dict:
    """Store ``data``: when it differs from ``base`` (what the main file holds) in few entries of
    its ``maps``, as a journal of those changes beside the main file (an update of one record
    writes kilobytes, not the megabytes of 10,000 records); else as a new main file. Returns
    what the main file now holds. Each file is written atomically, and a journal names the main
    file it applies to, so a run killed between the two never mixes them. Raises OSError."""
    sets, drops, changed, total = {}, {}, 0, 0
    for name in maps:
        sets[name], drops[name] = _delta(data[name], base.get(name, {}))
        changed += len(sets[name]) + len(drops[name])
        total += len(data[name])
    if base.get("token") is not None and changed <= JOURNAL_SHARE * total:
        # any other key is journaled whole, unless it is the very value the main file holds
        whole = {key: value for key, value in data.items() if key not in maps and base.get(key, _ABSENT) is not value}
        write_plain(journal_path(path), {"token": base["token"], "set": sets, "drop": drops, "whole": whole})
        return base
    main = {**data, "token": os.urandom(8).hex()}
    write_plain(path, main)
    journal_path(path).unlink(missing_ok=True)
    return {key: dict(value) if key in maps else value for key, value in main.items()}


# ---- models ↔ plain data --------------------------------------------------------------------------

_NESTED: dict[type, dict[str, tuple[type, bool]]] = {}


def _model_in(ann: Any) -> tuple[type, bool] | None:
    """The model class an annotation holds, and whether in a list: Paper.modalities → (Modalities, False)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann, False
    origin, args = get_origin(ann), get_args(ann)
    if origin is list and args:
        inner = _model_in(args[0])
        return (inner[0], True) if inner and not inner[1] else None
    if origin in (Union, types.UnionType) or origin is Annotated:
        for arg in args if origin is not Annotated else args[:1]:
            found = _model_in(arg)
            if found:
                return found
    return None


def _nested_fields(cls: type[BaseModel]) -> dict[str, tuple[type, bool]]:
    """Fields of ``cls`` that hold models: name → (model class, is it a list)."""
    if cls not in _NESTED:
        _NESTED[cls] = {name: found for name, info in cls.model_fields.items()
                        if (found := _model_in(info.annotation))}
    return _NESTED[cls]


_FIELDS: dict[type, tuple[str, ...]] = {}
_GIVEN: dict[tuple[type, int], frozenset[str]] = {}
_set = object.__setattr__


def _names(cls: type[BaseModel]) -> tuple[str, ...]:
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(cls.model_fields)
    return _FIELDS[cls]


def dump(model: BaseModel) -> tuple:
    """A model as plain data: its field values in declaration order (nested models likewise) and a
    bit mask of the fields its file set. Compact, and quick to pickle and to rebuild."""
    cls = type(model)
    names, nested = _names(cls), _nested_fields(cls)
    values = []
    for name in names:
        value = getattr(model, name)
        if value is not None and name in nested:
            value = [dump(v) for v in value] if nested[name][1] else dump(value)
        values.append(value)
    given = model.model_fields_set
    return tuple(values), sum(1 << i for i, name in enumerate(names) if name in given)


def rebuild(cls: type[BaseModel], data: tuple) -> BaseModel:
    """The model ``cls`` for fields that were valid when dumped, without validating them again
    (what pydantic's model_construct does, without its per-field overhead)."""
    values, mask = data
    names = _names(cls)
    fields = dict(zip(names, values))
    for name, (inner, is_list) in _nested_fields(cls).items():
        value = fields[name]
        if value is not None:
            fields[name] = [rebuild(inner, v) for v in value] if is_list else rebuild(inner, value)
    given = _GIVEN.get((cls, mask))
    if given is None:
        given = _GIVEN[cls, mask] = frozenset(name for i, name in enumerate(names) if mask >> i & 1)
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(given))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def fingerprint(model: BaseModel) -> bytes:
    """Each field of a model, hashed (8 bytes of BLAKE2b of its repr: a missed change would need a
    collision in 2**64), in the model's field order, as one string of bytes (quick to store). An
    update compares the fingerprints of a record's two versions to tell which fields changed
    (incremental.changes); the cache stores each record's with its fields."""
    return b"".join(hashlib.blake2b(repr(getattr(model, name)).encode(), digest_size=DIGEST).digest()
                    for name in type(model).model_fields)


# ---- the cache file -------------------------------------------------------------------------------

INDEX_MAPS = ("index", "verdicts")  # the index's maps of entries, journaled entry by entry
SHARDS = 256  # record fields live in shards: an update that shows a few dozen records reads a few dozen small files


def _shard(file: str) -> int:
    """Records spread over the shards by name; the taxonomy and the corrections log (read on every
    run, and large) have a shard of their own."""
    if file.rpartition("/")[0].rpartition("/")[2] not in ("papers", "datasets", "benchmarks", "metrics"):
        return SHARDS  # (a record's shown path ends in <kind>/<id>.yaml, with /: pipeline.load)
    return zlib.crc32(file.encode()) % SHARDS


class RecordCache:
    """Records that checked clean, kept between runs: an index (file → signature, kind) read on every
    run, and the records' fields in shards read only when a model is needed.

    It also keeps the verdict of the cross-record rules: the records they found nothing wrong with,
    each with the records it refers to (rules.refs_of) and its duplicate keys, and the context they
    ran in (``context``: taxonomy, metrics, year, and which ids existed or were broken). A record's
    verdict is reused while its file, the context and the state of every record it refers to are
    unchanged (see ``reusable``); anything else runs the rules again."""

    def __init__(self, catalog_root: Path, folder: Path | None = None):
        key = hashlib.sha256(str(catalog_root.resolve()).encode()).hexdigest()[:20]
        self.folder = folder or cache_dir()
        self.path = self.folder / f"records-{key}.pickle"  # the index; shards sit beside it
        self.code = _code_digest()
        self.index: dict[str, tuple[Signature, str]] = {}
        self.verdicts: dict[str, tuple[Signature, tuple, tuple | None]] = {}
        self.context: tuple | None = None  # (rule context, {kind: (ids, broken ids)})
        self.current: dict[str, Signature] = {}  # this run's files and signatures
        self._shards: dict[int, dict[str, tuple[Signature, tuple]]] = {}
        self._dirty: set[int] = set()
        self.changed = False
        stored, self._stored = read_journaled(self.path, INDEX_MAPS)  # the index and its journal (see save)
        if stored is not None and stored.get("code") == self.code:
            self.index = stored["index"]
            if isinstance(stored.get("context"), tuple):
                self.verdicts, self.context = stored["verdicts"], stored["context"]
        else:
            self._stored = {}

    def _shard_path(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.stem}.{n}.pickle")

    def _read(self, path: Path) -> dict | None:
        """A stored dict written by this very program, or None."""
        stored = read_plain(path)
        return stored if isinstance(stored, dict) and stored.get("code") == self.code else None

    def _entries(self, n: int) -> dict[str, tuple[Signature, tuple]]:
        if n not in self._shards:
            stored = self._read(self._shard_path(n))
            entries = stored.get("entries") if stored is not None else None
            self._shards[n] = entries if isinstance(entries, dict) else {}
        return self._shards[n]

    # ---- records ----
    def get(self, file: str, sig: Signature, kind: str) -> bool:
        """Whether ``file`` is stored as it is now (same signature and kind), clean."""
        self.current[file] = sig
        return self.index.get(file) == (sig, kind)

    def _entry(self, file: str) -> tuple | None:
        """(signature, fields, fingerprint) of ``file``, or None if its shard does not hold it as indexed."""
        entry = self._entries(_shard(file)).get(file)
        indexed = self.index.get(file)
        return entry if entry is not None and indexed is not None and entry[0] == indexed[0] else None

    def fields(self, file: str) -> tuple | None:
        """The stored fields of ``file`` (see dump), or None."""
        entry = self._entry(file)
        return entry[1] if entry is not None else None

    def fingerprint(self, file: str) -> bytes | None:
        """The fingerprint of ``file``'s record, stored with its fields, or None. A full build
        fingerprints every record (incremental.snapshot): taken from here, not worked out again
        (0.5 s at 10,000 papers)."""
        entry = self._entry(file)
        return entry[2] if entry is not None else None

    def put(self, file: str, sig: Signature, kind: str, model: BaseModel) -> None:
        n = _shard(file)
        self._entries(n)[file] = (sig, dump(model), fingerprint(model))
        self.index[file] = (sig, kind)
        self._dirty.add(n)
        self.changed = True

    def forget(self, file: str) -> None:
        if self.index.pop(file, None) is not None:
            n = _shard(file)
            self._entries(n).pop(file, None)
            self._dirty.add(n)
            self.changed = True

    def keep_only(self, files: set[str]) -> None:
        for gone in set(self.index) - files:
            self.forget(gone)

    # ---- verdicts of the cross-record rules ----
    def reusable(self, members: dict[str, tuple[set[str], set[str]]], context: tuple) -> dict[str, tuple | None]:
        """file → duplicate keys, for each record whose clean verdict still holds: same file, same
        context, and every record it refers to still present, absent or broken as it was."""
        if self.context is None or self.context[0] != context:
            return {}
        before = self.context[1]
        moved = set()
        for kind, (ids, broken) in members.items():
            old_ids, old_broken = before.get(kind, ((), ()))
            moved |= {(kind, i) for i in ids.symmetric_difference(old_ids) | broken.symmetric_difference(old_broken)}
        current = self.current
        if not moved:  # no record came, went or broke: a verdict holds while its file is unchanged
            return {file: keys for file, (sig, _, keys) in self.verdicts.items() if current.get(file) == sig}
        return {file: keys for file, (sig, refs, keys) in self.verdicts.items()
                if current.get(file) == sig and moved.isdisjoint(refs)}

    def remember(self, verdicts: dict[str, tuple[Signature, tuple, tuple | None]],
                 members: dict[str, tuple[set[str], set[str]]], context: tuple) -> None:
        snapshot = (context, {kind: (frozenset(ids), frozenset(broken)) for kind, (ids, broken) in members.items()})
        if verdicts != self.verdicts or snapshot != self.context:
            self.verdicts, self.context, self.changed = verdicts, snapshot, True

    def save(self) -> None:
        """Shards first, the index last: an index never names fields its shard does not hold as indexed
        (and if a run is killed in between, ``fields`` notices the mismatch). The index is written as a
        journal of its changes when they are few (write_journaled)."""
        if not self.changed:
            return
        try:
            for n in sorted(self._dirty):
                write_plain(self._shard_path(n), {"code": self.code, "entries": self._shards[n]})
            self._stored = write_journaled(self.path, {"code": self.code, "index": self.index, "verdicts": self.verdicts,
                                                       "context": self.context}, self._stored, INDEX_MAPS)
            self._dirty.clear()
            self.changed = False
        except OSError:
            pass  # a read-only home or a full disk: run without a cache
