"""cache: files unchanged since they last checked clean are not parsed again, and the answer never changes."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from avi_atlas import pipeline
from avi_atlas.cache import RecordCache, dump, rebuild
from avi_atlas.models import Benchmark

from .conftest import write


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


def test_warm_run_reports_exactly_what_a_cold_run_reports(catalog: Path, cache_dir: Path, monkeypatch):
    # a cross-record error in a file that will come from the cache: its position must still be exact
    write(catalog / "papers/twin-a.yaml", 'title: "Twin"\nurl: https://example.org/a\ntasks: [video-to-audio]\n')
    write(catalog / "papers/twin-b.yaml", 'title: "Twin"\nurl: https://example.org/b\ntasks: [video-to-audio]\n')
    write(catalog / "papers/bad.yaml", "title: Bad\nyear: soon\n")
    cold = issues(pipeline.validate(catalog)[1])
    first = issues(pipeline.validate(catalog, use_cache=True)[1])
    assert RecordCache(catalog).entries, "clean files are stored"
    warm_cat, warm = pipeline.validate(catalog, use_cache=True)
    assert cold == first == issues(warm)
    assert any("duplicate-title" in line and ":1:8:" in line for line in cold)
    assert warm_cat.papers["twin-a"] == pipeline.validate(catalog)[0].papers["twin-a"]


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
    assert not any(f.endswith("seg-net.yaml") for f in RecordCache(catalog).entries)


def test_a_planted_pickle_is_never_executed(catalog: Path, cache_dir: Path):
    pipeline.validate(catalog, use_cache=True)
    path = RecordCache(catalog).path

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(cache_dir / "pwned"),))

    path.write_bytes(pickle.dumps({"code": "x", "entries": Boom()}))
    assert pipeline.validate(catalog, use_cache=True)[1].ok
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
