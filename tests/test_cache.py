"""cache: files unchanged since they last checked clean are not parsed again, and the answer never changes."""

from __future__ import annotations

import os
import pickle
from array import array
from pathlib import Path

import pytest

from avi_atlas import incremental, pipeline
from avi_atlas.cache import RecordCache, dump, rebuild
from avi_atlas.models import Benchmark

from .conftest import FIXTURE_CATALOG as FIXTURE, write


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "record-cache"
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(folder))
    return folder


def issues(report) -> list[str]:
    return [i.text() for i in report.sorted()]


def test_models_round_trip_through_plain_data(catalog: Path):
    cat, _ = pipeline.validate(catalog)
    for kind in ("papers", "benchmarks", "datasets", "metrics"):
        for model in cat.models(kind).values():
            again = rebuild(type(model), dump(model))
            assert again == model and again.model_fields_set == model.model_fields_set
    bench = next(iter(cat.benchmarks.values()))
    assert isinstance(rebuild(Benchmark, dump(bench)).results[0].source, type(bench.results[0].source))


def test_fingerprints_come_from_the_cache_and_equal_those_worked_out(catalog: Path, cache_dir: Path, monkeypatch):
    before = incremental.snapshot(pipeline.validate(catalog, use_cache=True)[0], None)  # stores every record
    _edit(catalog / "papers/seg-net.yaml", 'title: "SegNet-AV', 'title: "SegNet-AV 2')  # checked and stored again
    cold = incremental.snapshot(pipeline.validate(catalog)[0], None)  # no cache: each worked out from its model
    warm_catalog = pipeline.validate(catalog, use_cache=True)[0]
    worked_out = []
    real = incremental.fingerprint
    monkeypatch.setattr(incremental, "fingerprint", lambda model: worked_out.append(model) or real(model))
    warm = incremental.snapshot(warm_catalog, None)
    assert worked_out == [], "every fingerprint was stored when its record was checked"
    assert warm == cold and len(warm) >= 5
    assert warm["papers", "seg-net"][1] != before["papers", "seg-net"][1], "the edited record's is its new one"
    assert warm["papers", "sound-maker"][1] == before["papers", "sound-maker"][1]


def test_warm_run_reports_exactly_what_a_cold_run_reports(catalog: Path, cache_dir: Path, monkeypatch):
    # a cross-record error in a file that will come from the cache: its position must still be exact
    write(catalog / "papers/twin-a.yaml", 'title: "Twin"\nurl: https://example.org/a\ntasks: [video-to-audio]\n')
    write(catalog / "papers/twin-b.yaml", 'title: "Twin"\nurl: https://example.org/b\ntasks: [video-to-audio]\n')
    write(catalog / "papers/bad.yaml", "title: Bad\nyear: soon\n")
    cold = issues(pipeline.validate(catalog)[1])
    first = issues(pipeline.validate(catalog, use_cache=True)[1])
    assert RecordCache(catalog).index, "clean files are stored"
    warm_cat, warm = pipeline.validate(catalog, use_cache=True)
    assert cold == first == issues(warm)
    assert any("duplicate-title" in line and ":1:8:" in line for line in cold)
    assert warm_cat.papers["twin-a"] == pipeline.validate(catalog)[0].papers["twin-a"]


@pytest.mark.parametrize("base", ["", "catalog/", "../x/catalog/", "C:\\work\\catalog/"])
def test_records_spread_over_the_shards_and_the_big_files_have_their_own(base: str):
    from avi_atlas.cache import SHARDS, _shard

    shards = {_shard(f"{base}{kind}/r{i}.yaml") for kind in ("papers", "datasets", "benchmarks", "metrics")
              for i in range(200)}
    assert len(shards) > 200 and max(shards) < SHARDS  # records: spread over 0..SHARDS-1
    assert _shard(f"{base}taxonomy.yaml") == _shard(f"{base}corrections.yaml") == SHARDS  # a shard of their own
    assert _shard("papers/a.yaml") == _shard("papers/a.yaml")  # the same file, the same shard


def test_a_changed_file_is_checked_again(catalog: Path, cache_dir: Path):
    assert pipeline.validate(catalog, use_cache=True)[1].ok
    paper = catalog / "papers/seg-net.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("year: 2023", "year: later"), encoding="utf-8")
    report = pipeline.validate(catalog, use_cache=True)[1]
    assert [i.code for i in report.errors] == ["wrong-type"]
    paper.write_text(text, encoding="utf-8")
    assert pipeline.validate(catalog, use_cache=True)[1].ok


def test_a_deleted_file_leaves_the_cache(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    (catalog / "papers/seg-net.yaml").unlink()
    cat, _ = pipeline.validate(catalog, use_cache=True)
    assert "seg-net" not in cat.papers
    assert not any(f.endswith("seg-net.yaml") for f in RecordCache(catalog).index)


def test_a_planted_pickle_is_never_executed(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    path = RecordCache(catalog).path

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(cache_dir / "pwned"),))

    path.write_bytes(pickle.dumps({"code": "x", "entries": Boom()}))
    assert pipeline.validate(catalog, use_cache=True)[1].ok
    code = RecordCache(catalog).code  # the index and every shard, with the right code digest this time
    for stored in cache_dir.glob("records-*.pickle"):
        stored.write_bytes(pickle.dumps({"code": code, "index": Boom(), "entries": Boom()}))
    cat, report = pipeline.validate(catalog, use_cache=True)
    assert report.ok and cat.papers["seg-net"].title
    assert not (cache_dir / "pwned").exists()


def test_the_cache_lives_outside_the_catalog(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    assert RecordCache(catalog).path.is_relative_to(cache_dir)
    assert not any(p.suffix == ".pickle" for p in catalog.rglob("*"))


def test_cached_and_parallel_builds_match_a_plain_build(catalog: Path, cache_dir: Path, tmp_path: Path, monkeypatch):
    from avi_atlas import render

    def tree(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}

    plain = tmp_path / "plain"
    assert pipeline.build(catalog, plain).ok
    pipeline.validate(catalog, use_cache=True)
    cached = tmp_path / "cached"
    assert pipeline.build(catalog, cached, use_cache=True).ok
    monkeypatch.setattr(render, "CHUNK", 3)  # many small chunks over two forked workers
    monkeypatch.setattr(render, "jobs_for", lambda n: 2)
    forked = tmp_path / "forked"
    assert pipeline.build(catalog, forked, use_cache=True).ok
    assert tree(plain) == tree(cached) == tree(forked)
    # the workers send every value the next build may keep, as one process keeps them
    from avi_atlas import incremental

    alone, together = incremental.load(cached), incremental.load(forked)
    assert alone.memo and together.memo == alone.memo

    def groups(state: incremental.State) -> dict[tuple, frozenset]:
        out = {}
        for dep, (table, raw) in state.groups.items():
            ids = array("I")
            ids.frombytes(raw)
            out[dep] = frozenset(state.tables[table][i] for i in ids)
        return out

    assert groups(alone) and groups(together) == groups(alone)


def test_a_template_error_in_a_worker_fails_the_build_and_writes_nothing(catalog: Path, tmp_path: Path, monkeypatch):
    from avi_atlas import render

    folder = tmp_path / "templates"
    import shutil

    shutil.copytree(render.templates_dir(), folder)
    (folder / "paper.html").write_text("{% extends 'base.html' %}{% block main %}{{ paper.nope.deeper }}{% endblock %}")
    monkeypatch.setattr(render, "templates_dir", lambda: folder)
    monkeypatch.setattr(render, "jobs_for", lambda n: 2)
    monkeypatch.setattr(render, "CHUNK", 2)
    out = tmp_path / "site"
    with pytest.raises(render.BuildError):
        pipeline.build(catalog, out)
    assert not out.exists()
    assert not list(tmp_path.glob(".site.*"))


def test_workers_only_for_large_sites_and_never_beside_threads(monkeypatch):
    import sys
    import threading

    from avi_atlas import render

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # the suite itself may run server threads
    assert render.jobs_for(render.PARALLEL_MIN_PAGES - 1) == 1
    assert render.jobs_for(5000) == (4 if sys.platform.startswith("linux") else 1)
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # like `serve`, which builds beside its server
    assert render.jobs_for(5000) == 1


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Each step changes the catalog so that the rules' verdict on an UNCHANGED file changes too: the
# record cache must notice (rule context, or the state of a record it refers to), never reuse.
CROSS_RECORD_STEPS = [
    ("delete the dataset a paper and a benchmark use", lambda c: (c / "datasets/clips-100.yaml").unlink()),
    ("bring it back", lambda c: write(c / "datasets/clips-100.yaml", (FIXTURE / "datasets/clips-100.yaml").read_text())),
    ("break the paper a result names", lambda c: write(c / "papers/sound-maker.yaml", "title: [unclosed\n")),
    ("delete that paper", lambda c: (c / "papers/sound-maker.yaml").unlink()),
    ("bring it back", lambda c: write(c / "papers/sound-maker.yaml", (FIXTURE / "papers/sound-maker.yaml").read_text())),
    ("a new paper takes an existing arXiv id",
     lambda c: write(c / "papers/aaa-copy.yaml", "title: Another\narxiv: '2403.00001'\ntasks: [video-to-audio]\n")),
    ("and goes away", lambda c: (c / "papers/aaa-copy.yaml").unlink()),
    ("a metric's range shrinks below a result", lambda c: _edit(c / "metrics/acc.yaml", "range: [0, 100]", "range: [0, 50]")),
    ("the metric disappears", lambda c: (c / "metrics/acc.yaml").unlink()),
    ("a task leaves the taxonomy", lambda c: _edit(c / "taxonomy.yaml", "id: av-synchronization", "id: av-sync")),
]


def test_reused_rule_verdicts_always_match_a_cold_run(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    for what, change in CROSS_RECORD_STEPS:
        change(catalog)
        warm = issues(pipeline.validate(catalog, use_cache=True)[1])
        assert warm == issues(pipeline.validate(catalog)[1]), what
        assert warm == issues(pipeline.validate(catalog, use_cache=True)[1]), what + " (second warm run)"


def test_an_unchanged_clean_record_is_not_even_rebuilt(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    _edit(catalog / "papers/seg-net.yaml", "title:", "# edited\ntitle:")
    cat, report = pipeline.validate(catalog, use_cache=True)
    assert report.ok
    untouched = cat.records["datasets"]["clips-100"]
    assert untouched._make is not None, "its rules were not run again, so its model was never needed"
    assert cat.datasets["clips-100"].name == "Clips-100"  # and it is there when something reads it


def test_a_journaled_store_writes_few_changes_as_a_journal_and_many_as_a_new_main_file(tmp_path: Path):
    from avi_atlas import cache

    path, maps = tmp_path / "store.pickle", ("entries",)
    entries = {f"k{i}": (i, f"v{i}") for i in range(100)}
    base = cache.write_journaled(path, {"entries": entries, "name": "first"}, {}, maps)
    journal = cache.journal_path(path)
    assert path.is_file() and not journal.exists()
    main_bytes = path.read_bytes()
    data, base = cache.read_journaled(path, maps)
    assert data["entries"] == entries and data["name"] == "first"

    data["entries"]["k1"] = (1, "changed")  # a few changes: a journal beside the unchanged main file
    del data["entries"]["k2"]
    data["entries"]["new"] = (0, "new")
    data["name"] = "second"
    base = cache.write_journaled(path, data, base, maps)
    assert journal.is_file() and path.read_bytes() == main_bytes
    again, base = cache.read_journaled(path, maps)
    assert again["entries"] == data["entries"] and again["name"] == "second"
    assert cache.read_plain(journal)["set"]["entries"] == {"k1": (1, "changed"), "new": (0, "new")}

    again["entries"]["k3"] = (3, "later")  # the journal holds every change since the main file
    cache.write_journaled(path, again, base, maps)
    third, base = cache.read_journaled(path, maps)
    assert third["entries"] == again["entries"] and "k2" not in third["entries"]

    for i in range(50, 100):  # many changes: a new main file, and no journal
        third["entries"][f"k{i}"] = (i, "rewritten")
    cache.write_journaled(path, third, base, maps)
    assert not journal.exists() and path.read_bytes() != main_bytes
    assert cache.read_journaled(path, maps)[0]["entries"] == third["entries"]


def test_a_journal_applies_only_to_the_main_file_it_was_written_for(tmp_path: Path):
    from avi_atlas import cache

    path, maps = tmp_path / "store.pickle", ("entries",)
    entries = {f"k{i}": i for i in range(100)}
    base = cache.write_journaled(path, {"entries": entries}, {}, maps)
    data, base = cache.read_journaled(path, maps)
    data["entries"]["k1"] = -1
    cache.write_journaled(path, data, base, maps)
    stale = cache.journal_path(path).read_bytes()
    cache.write_journaled(path, {"entries": dict(entries)}, {}, maps)  # a new main file (a full build)
    cache.journal_path(path).write_bytes(stale)  # as if killed before the old journal was deleted
    assert cache.read_journaled(path, maps)[0]["entries"]["k1"] == 1
    cache.journal_path(path).write_bytes(b"not a pickle")  # an unreadable journal is not applied
    assert cache.read_journaled(path, maps)[0]["entries"] == entries
    path.write_bytes(b"damaged")
    assert cache.read_journaled(path, maps) == (None, {})


def test_the_record_cache_index_is_journaled_and_still_agrees_with_a_cold_run(catalog: Path, cache_dir: Path,
                                                                             monkeypatch):
    from avi_atlas import cache

    monkeypatch.setattr(cache, "JOURNAL_SHARE", 0.5)  # the fixture catalog is small: one record is a big share
    first, _ = pipeline.validate(catalog, use_cache=True)
    paper = catalog / "papers/seg-net.yaml"
    paper.write_text(paper.read_text().replace("Segmenting What Sounds", "Segmenting What Sings"))
    warm = issues(pipeline.validate(catalog, use_cache=True)[1])
    journals = list(cache_dir.glob("records-*.journal.pickle"))
    assert len(journals) == 1  # one record changed: its index entry went into a journal
    assert warm == issues(pipeline.validate(catalog, use_cache=True)[1]) == issues(pipeline.validate(catalog)[1])
    cat, _ = pipeline.validate(catalog, use_cache=True)
    assert cat.records["papers"]["seg-net"].model.title.endswith("Segmenting What Sings")
