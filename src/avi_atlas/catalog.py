"""The in-memory catalog: every record by kind and id, the taxonomy, and back-links.

No I/O happens here. The pipeline builds a :class:`Catalog` from checked
records; rules, derive functions and templates read it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterator, Mapping

from . import freshness, tracking
from .loader import Document
from .models import Benchmark, Correction, Dataset, Metric, Node, Paper, Taxonomy

TREES = ("tasks", "methods", "challenges")
#: the ``cached`` values kept between builds (plain data, cheap to store): back-links, related-paper
#: pools, the newest-first order of the papers
KEPT = ("property", "related_pools", "year_rank")
KIND_ORDER = freshness.KIND_ORDER  # ("papers", "datasets", "benchmarks", "metrics")


class Record:
    """A checked record: its kind (folder), id (file name), model and source document.

    A record from the record cache (``cache``) is made on first read (``make``): ``validate`` reads
    few models, ``build`` all of them."""

    __slots__ = ("kind", "id", "file", "doc", "sig", "cache", "_model", "_make", "_traced")

    def __init__(self, kind: str, id: str, file: str, model: Any, doc: Document,
                 make: Callable[[], Any] | None = None, sig: tuple | None = None, cache: Any = None):
        self.kind, self.id, self.file, self.doc = kind, id, file, doc
        self.sig = sig  # the file's signature when it was read (freshness.signature), if known
        self.cache = cache  # the record cache (cache.RecordCache) it was taken from, if it was
        self._model, self._make, self._traced = model, make, None

    def _built(self) -> Any:
        if self._make is not None:
            self._model, self._make = self._make(), None
        return self._model

    @property
    def model(self) -> Any:
        self._built()
        if tracking.active():  # a page is rendering: hand out a model that notes the fields read
            if self._traced is None:
                self._traced = tracking.traced(self._model, self.kind, self.id)
            return self._traced
        return self._model

    def whole(self) -> Any:
        """The model, for a page that shows most of the record (its own page): one dep on the whole
        record (tracking.py) instead of one per field read, which costs a third of a page's time."""
        tracking.read(("f", self.kind, self.id, "*"))
        return self._built()

    def where(self, *loc: Any, key: bool = False) -> tuple[int, int]:
        return self.doc.where(tuple(loc), key=key)


class Models(Mapping):
    """id → model for one kind of record, in id order. While a page renders (tracking.py), a
    lookup hands out a model that notes each field read, and listing or counting the ids, or
    looking up an id that is not there, is noted as well."""

    def __init__(self, kind: str, records: dict[str, Record]):
        self._kind, self._records, self._ids = kind, records, sorted(records)

    def __getitem__(self, rid: str) -> Any:
        rec = self._records.get(rid)
        if rec is None:
            tracking.read(("has", self._kind, rid))
            raise KeyError(rid)
        return rec.model

    def get(self, rid: str, default: Any = None) -> Any:
        rec = self._records.get(rid)
        if rec is None:
            tracking.read(("has", self._kind, rid))
            return default
        return rec.model

    def __contains__(self, rid: object) -> bool:
        tracking.read(("has", self._kind, rid))
        return rid in self._records

    def __iter__(self) -> Iterator[str]:
        tracking.read(("ids", self._kind))
        return iter(self._ids)

    def __len__(self) -> int:
        tracking.read(("ids", self._kind))
        return len(self._ids)


class derived:
    """A property worked out once per catalog from many records (back-links); the deps of working
    it out (tracking.py) count for every page that reads it."""

    def __init__(self, compute: Callable[[Any], Any]):
        self.compute, self.name = compute, compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, cat: Any, owner: type | None = None) -> Any:
        if cat is None:
            return self
        return cat.cached("property", self.name, lambda: self.compute(cat), wide=True)


@dataclass
class Catalog:
    taxonomy: Taxonomy | None = None
    taxonomy_doc: Document | None = None
    records: dict[str, dict[str, Record]] = field(
        default_factory=lambda: {kind: {} for kind in KIND_ORDER}
    )
    corrections: list[Correction] = field(default_factory=list)
    corrections_doc: Document | None = None
    #: ids whose files exist but failed to load or check: references to them are not reported again
    broken: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KIND_ORDER})
    #: file → duplicate keys of records whose rule verdict (no issue) the record cache still vouches for
    reuse: dict[str, tuple] = field(default_factory=dict)
    #: (name, key) → (value, deps) of ``cached`` values the last build worked out that still hold
    kept: dict[tuple[str, Any], tuple] = field(default_factory=dict)
    #: name → key → (value, deps) of the ``cached`` values worked out (or kept) so far
    _values: dict[str, dict[Any, tuple]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, name: str) -> dict:
        """A plain dict kept with this catalog, for values no page reads (use ``cached`` for those)."""
        return self.__dict__.setdefault(f"_memo_{name}", {})

    def cached(self, name: str, key: Any, compute: Callable[[], Any], wide: bool = False) -> Any:
        """``compute()``, worked out once per catalog and ``key``. Its deps (see tracking.py) are
        kept with it as a group (``groups``), and every page that uses the value notes the group.
        A value the last build worked out, whose deps did not change since, is taken from
        ``kept`` (incremental.py).

        ``wide``: the value is worked out from every record of a kind (a back-link), so a field it
        reads of more than one record is noted once for all records of the kind: the same change
        invalidates it, with one dep instead of one per record (40 metrics, say)."""
        store = self._values.get(name)  # (a page asks for some twenty values: this path is kept short)
        if store is None:
            store = self._values[name] = {}
        entry = store.get(key)
        if entry is None and (name, key) in self.kept:
            entry = store[key] = self.kept[name, key]
        if entry is None and tracking.suspended():  # for a page that reads everything: no deps needed
            entry = store[key] = (compute(), None)
        elif entry is None or (entry[1] is None and tracking.active()):  # (again, noting its deps)
            with tracking.tracked(compact=0 if wide else None, limit=1 if wide else None, alone=True) as deps:
                value = compute()
            entry = store[key] = (value, frozenset(deps))
            self.__dict__.setdefault("_groups", []).append((tracking.group(name, key), entry[1]))
        if entry[1] is not None:
            tracking.read_group(name, key, entry[1])
        return entry[0]

    def groups(self, start: int = 0) -> list[tuple[tuple, frozenset]]:
        """The groups worked out so far (from the ``start``-th on), for the state: their dep
        (tracking.group) and their own deps."""
        return self.__dict__.get("_groups", [])[start:]

    def worked_out(self, groups: list[tuple[tuple, frozenset]]) -> dict[tuple[str, Any], tuple]:
        """The values of ``cached`` under ``KEPT`` among ``groups`` (from ``groups()``: those a
        process worked out, or a worker since it last sent), (name, key) → (value, deps): what the
        next build may keep. Values kept from the last build are not among them: the state holds
        them already."""
        return {(name, key): self._values[name][key] for (_, name, key, _), _ in groups if name in KEPT}

    # ---- records -------------------------------------------------------
    def add(self, record: Record) -> None:
        self.records[record.kind][record.id] = record

    def build_all(self) -> None:
        """Make every record's model now (those from the record cache are made on first read)."""
        for records in self.records.values():
            for record in records.values():
                record._built()

    def models(self, kind: str) -> Models:
        """id → model of one kind, sorted by id (reads are tracked while a page renders)."""
        found = self.__dict__.setdefault("_models", {})
        if kind not in found:
            found[kind] = Models(kind, self.records[kind])
        return found[kind]

    @property
    def papers(self) -> Mapping[str, Paper]:
        return self.models("papers")

    @property
    def datasets(self) -> Mapping[str, Dataset]:
        return self.models("datasets")

    @property
    def benchmarks(self) -> Mapping[str, Benchmark]:
        return self.models("benchmarks")

    @property
    def metrics(self) -> Mapping[str, Metric]:
        return self.models("metrics")

    # ---- taxonomy ------------------------------------------------------
    @cached_property
    def nodes(self) -> dict[str, dict[str, Node]]:
        """Tree name (tasks/methods/challenges) → id → node, first occurrence wins."""
        out: dict[str, dict[str, Node]] = {t: {} for t in TREES}
        if self.taxonomy:
            for tree in TREES:
                for node in getattr(self.taxonomy, tree):
                    out[tree].setdefault(node.id, node)
        return out

    @cached_property
    def children(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {t: defaultdict(list) for t in TREES}
        for tree in TREES:
            for node in self.nodes[tree].values():
                if node.parent and node.parent in self.nodes[tree]:
                    out[tree][node.parent].append(node.id)
        return out

    def roots(self, tree: str) -> list[str]:
        return [n.id for n in self.nodes[tree].values() if not n.parent]

    def ancestors(self, tree: str, node_id: str) -> list[str]:
        """From the root down to the node's parent (cycle-safe)."""
        chain: list[str] = []
        node = self.nodes[tree].get(node_id)
        while node and node.parent and node.parent not in chain and node.parent != node_id:
            chain.append(node.parent)
            node = self.nodes[tree].get(node.parent)
        return list(reversed(chain))

    def leaves(self, tree: str) -> list[str]:
        return [i for i in self.nodes[tree] if not self.children[tree].get(i)]

    def descendants(self, tree: str, node_id: str) -> list[str]:
        out, stack = [], list(self.children[tree].get(node_id, []))
        while stack:
            nid = stack.pop(0)
            if nid in out:
                continue
            out.append(nid)
            stack.extend(self.children[tree].get(nid, []))
        return out

    def pillar(self, task_id: str) -> str | None:
        if task_id not in self.nodes["tasks"]:
            return None
        chain = self.ancestors("tasks", task_id)
        return chain[0] if chain else task_id

    # ---- back-links ----------------------------------------------------
    @derived
    def papers_by(self) -> dict[str, dict[str, list[str]]]:
        """tasks/methods/challenges/datasets → id → paper ids (sorted)."""
        out: dict[str, dict[str, list[str]]] = {k: defaultdict(list) for k in (*TREES, "datasets")}
        for pid, paper in self.papers.items():
            for kind in out:
                for ref in dict.fromkeys(getattr(paper, kind)):
                    out[kind][ref].append(pid)
        return {kind: dict(refs) for kind, refs in out.items()}

    def papers_under(self, tree: str, node_id: str) -> list[str]:
        """Papers of a node and of all its descendants, each once."""
        ids = [node_id, *self.descendants(tree, node_id)]
        seen = dict.fromkeys(p for i in ids for p in self.papers_by[tree].get(i, []))
        return sorted(seen)

    @derived
    def benchmarks_by(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {k: defaultdict(list) for k in ("tasks", "datasets", "metrics", "papers")}
        for bid, bench in self.benchmarks.items():
            for t in dict.fromkeys(bench.tasks):
                out["tasks"][t].append(bid)
            for d in dict.fromkeys(s.dataset for s in bench.datasets):
                out["datasets"][d].append(bid)
            for m in dict.fromkeys(bench.metrics):
                out["metrics"][m].append(bid)
            for p in dict.fromkeys(r.paper for r in bench.results if r.paper):
                out["papers"][p].append(bid)
        return {kind: dict(refs) for kind, refs in out.items()}

    @derived
    def datasets_by_task(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for did, ds in self.datasets.items():
            for t in dict.fromkeys(ds.tasks):
                out[t].append(did)
        return dict(out)

    @cached_property
    def corrections_by_record(self) -> dict[str, list[Correction]]:
        out: dict[str, list[Correction]] = defaultdict(list)
        for c in self.corrections:
            out[c.record].append(c)
        return out

    @derived
    def introduced_by(self) -> dict[str, list[tuple[str, str]]]:
        """paper id → (kind, id) of datasets, benchmarks and metrics it introduces."""
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for kind in ("datasets", "benchmarks", "metrics"):
            for rid, model in self.models(kind).items():
                if model.paper:
                    out[model.paper].append((kind, rid))
        return dict(out)
