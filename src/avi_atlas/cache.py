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

import datetime as dt
import hashlib
import io
import os
import pickle
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, __version__ as pydantic_version

FORMAT = 2
Signature = tuple[int, int, int]


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def cache_dir() -> Path:
    explicit = os.environ.get("AVI_ATLAS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "avi-atlas"


def _code_digest() -> str:
    h = hashlib.sha256(f"{FORMAT} {sys.version} {pydantic_version}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class _PlainData(pickle.Unpickler):
    """Unpickles dicts, lists, tuples, strings, numbers and dates; refuses every other class."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("datetime", "date"):
            return dt.date
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


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


# ---- the cache file -------------------------------------------------------------------------------

class RecordCache:
    """file (as displayed) → (signature, kind, fields) for records that were clean when stored."""

    def __init__(self, catalog_root: Path, folder: Path | None = None):
        key = hashlib.sha256(str(catalog_root.resolve()).encode()).hexdigest()[:20]
        self.path = (folder or cache_dir()) / f"records-{key}.pickle"
        self.code = _code_digest()
        self.entries: dict[str, tuple[Signature, str, tuple]] = {}
        self.changed = False
        self._read()

    def _read(self) -> None:
        try:
            with self.path.open("rb") as f:
                stored = _PlainData(io.BytesIO(f.read())).load()
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return
        if isinstance(stored, dict) and stored.get("code") == self.code and isinstance(stored.get("entries"), dict):
            self.entries = stored["entries"]

    def get(self, file: str, sig: Signature, kind: str) -> tuple | None:
        entry = self.entries.get(file)
        if entry is not None and entry[0] == sig and entry[1] == kind:
            return entry[2]
        return None

    def put(self, file: str, sig: Signature, kind: str, model: BaseModel) -> None:
        self.entries[file] = (sig, kind, dump(model))
        self.changed = True

    def forget(self, file: str) -> None:
        if self.entries.pop(file, None) is not None:
            self.changed = True

    def keep_only(self, files: set[str]) -> None:
        for gone in set(self.entries) - files:
            self.forget(gone)

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump({"code": self.code, "entries": self.entries}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home or a full disk: run without a cache
