"""Which catalog facts a page reads, so that a rebuild renders only the pages whose facts changed.

While a page renders, every read of a record's field through the catalog is noted as a
dependency (a *dep*):

- ``("f", kind, id, field)``: a field of one record (``field`` "*" for a read that may use any
  field, such as a method call on the model);
- ``("f", kind, None, field)``: that field of every record of ``kind`` (many reads, compressed);
- ``("ids", kind)``: which records of ``kind`` exist (iteration, length);
- ``("has", kind, id)``: whether one record exists (a lookup that may miss);
- ``("g", name, key, "")``: a value worked out once and shared by many pages (a *group*, see below);
  ``("g", name, None, "")`` any group of that name (many groups read, compressed);
- ``EVERYTHING``: any change at all (a block that reads the whole catalog without noting each read).

The taxonomy, the corrections log, the templates, the program and the build options are not
tracked: a change to any of them rebuilds every page (see incremental.py).

Reads go to the innermost open :func:`tracked` block. A value computed once and shared by many
pages (``Catalog.cached``, a comparison row) keeps the deps of its computation as a group, and a
page that uses it notes the group's one dep instead of all of them: a task page showing 2,000 rows
notes 2,000 deps, not 30,000. The groups' own deps are stored beside the pages' and a change that
hits a group hits every page that notes it (incremental.expand), so sharing never hides a
dependency. A block opened with ``expand=True`` (a fragment of a data file, export.assemble) takes
the groups' deps themselves instead, as it must tell its own record's reads from the rest.
"""

from __future__ import annotations

import itertools
import operator
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

EVERYTHING = ("*",)
#: more than this many records of one kind read for one field become a wildcard for that field
LIMIT = 64

_stack: list[set | None] = []  # None: reads are not noted (a block that depends on everything)
_expand: list[bool] = []  # per open block: groups are noted by their own deps (see the module's notes)


def active() -> bool:
    return bool(_stack) and _stack[-1] is not None


def suspended() -> bool:
    """Inside an ``everything()`` block: reads are not noted."""
    return bool(_stack) and _stack[-1] is None


def read(dep: tuple) -> None:
    if _stack and _stack[-1] is not None:
        _stack[-1].add(dep)


def group(name: str, key: Any) -> tuple:
    """The dep that stands for a shared value's own deps."""
    return ("g", name, key, "")


def read_group(name: str, key: Any, deps: frozenset) -> None:
    """A read of a shared value whose computation read ``deps``: one dep for the group, or the
    deps themselves in a block opened with ``expand=True``."""
    if _stack and _stack[-1] is not None:
        if _expand[-1]:
            _stack[-1].update(deps)
        else:
            _stack[-1].add(group(name, key))


class tracked:
    """``with tracked() as deps:`` notes the reads inside the block into ``deps``; they also count
    for the enclosing block, unless ``alone`` (a group's computation: the enclosing block notes the
    group). ``compact`` is the size above which the deps are compressed when the block ends (by
    default only a block that read a great deal: below it, deps stay precise), and ``limit`` the
    number of records of one kind read for one field above which they become a wildcard (see
    compress). ``expand``: groups read inside are noted by their own deps (see the module's notes)."""

    __slots__ = ("deps", "compact", "limit", "alone", "expand")

    def __init__(self, compact: int | None = None, limit: int | None = None, alone: bool = False,
                 expand: bool = False):
        self.deps: set = set()
        self.compact = 4 * LIMIT if compact is None else compact
        self.limit = LIMIT if limit is None else limit
        self.alone, self.expand = alone, expand

    def __enter__(self) -> set:
        _stack.append(self.deps)
        _expand.append(self.expand)
        return self.deps

    def __exit__(self, *exc: Any) -> None:
        _stack.pop()
        _expand.pop()
        deps = self.deps
        if len(deps) > self.compact:
            compressed = compress(deps, self.limit)
            deps.clear()
            deps.update(compressed)
        if not self.alone and _stack and _stack[-1] is not None:
            _stack[-1].update(deps)


@contextmanager
def everything() -> Iterator[None]:
    """A block that depends on the whole catalog: its reads are not noted one by one."""
    read(EVERYTHING)
    _stack.append(None)
    _expand.append(False)
    try:
        yield
    finally:
        _stack.pop()
        _expand.pop()


def compress(deps: set, limit: int | None = None) -> frozenset:
    """Many records (more than ``limit``) read for one field → one wildcard dep for that field;
    many groups of one name → one wildcard group.

    Every pass runs in C (``map``, ``Counter``, ``itertools.compress``): a node page compresses
    thousands of deps, and a Python loop over them cost more than rendering the page."""
    limit = LIMIT if limit is None else limit
    if len(deps) <= limit:  # no field can have more than limit records
        return frozenset(deps)
    if EVERYTHING in deps:
        return frozenset((EVERYTHING,))
    # ("f", kind, id, field) → ("f", kind, field) and ("g", name, key, "") → ("g", name, ""); the other
    # deps give keys that start with neither and have three parts ("has", kind, id) or repeat the
    # kind ("ids", kind, kind)
    keys = list(map(_FIELD_KEY, deps))
    wide = {key for key, n in Counter(keys).items() if n > limit and key[0] in _FOLDED}
    if not wide:
        return frozenset(deps)
    kept = itertools.compress(deps, map(operator.not_, map(wide.__contains__, keys)))
    return frozenset((*kept, *((first, kind, None, field) for first, kind, field in wide)))


_FIELD_KEY = operator.itemgetter(0, 1, -1)
_FOLDED = ("f", "g")


def matches(changed: set[tuple]) -> set[tuple]:
    """Every dep that a set of changes invalidates: each changed ``("f", kind, id, field)`` also
    hits the record's "*" dep and the kind-wide wildcards; ``EVERYTHING`` is hit by anything."""
    out = set(changed) | {EVERYTHING}
    for dep in changed:
        if dep[0] == "f":
            _, kind, rid, field = dep
            out.update({("f", kind, rid, "*"), ("f", kind, None, field), ("f", kind, None, "*")})
    return out


def traced(model: Any, kind: str, rid: str) -> Any:
    """``model`` as pages see it while tracked: each field read is noted as ``("f", kind, rid, field)``."""
    cls = _PROXIES.get(type(model))
    if cls is None:
        cls = _PROXIES[type(model)] = _proxy_class(type(model))
    return cls(model, kind, rid)


_PROXIES: dict[type, type] = {}


def _proxy_class(model_cls: type) -> type:
    """A class whose fields are properties that note the read (no __getattr__ fallback: that path
    raises and catches an AttributeError on every read)."""

    def field(name: str) -> property:
        def get(self: Traced) -> Any:
            if _stack and _stack[-1] is not None:
                _stack[-1].add(self._key + (name,))
            return getattr(self._model, name)
        return property(get)

    namespace = {name: field(name) for name in model_cls.model_fields}
    return type(f"Traced{model_cls.__name__}", (Traced,), namespace)


class Traced:
    """Base of the proxies made by :func:`traced`. Anything but a field (a method, say) is taken
    from the model and noted as a read of any field."""

    __slots__ = ("_model", "_key")

    def __init__(self, model: Any, kind: str, rid: str):
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_key", ("f", kind, rid))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._model, name)
        read(self._key + ("*",))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("records are read-only")

    def __eq__(self, other: Any) -> bool:
        read(self._key + ("*",))
        return self._model == (other._model if isinstance(other, Traced) else other)

    def __hash__(self) -> int:
        return hash(self._key)

    def __iter__(self):
        read(self._key + ("*",))
        return iter(self._model)

    def __repr__(self) -> str:
        return repr(self._model)
