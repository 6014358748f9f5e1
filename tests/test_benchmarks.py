"""benchmarks/run.py and where.py: the harness runs end to end on a small catalog, and its figures add up."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from .conftest import REPO, write

sys.path.insert(0, str(REPO / "benchmarks"))
import run  # noqa: E402
import where  # noqa: E402
from generate import generate  # noqa: E402

from avi_atlas import pipeline, render  # noqa: E402


def test_one_edit_and_the_next_undo_each_other(tmp_path: Path):
    paper = tmp_path / "p.yaml"
    paper.write_text("title: T\nsummary: >-\n  Says what it does.\n")
    original = paper.read_text()
    run.touch_summary(paper)
    assert paper.read_text() != original and "Changed." in paper.read_text()
    run.touch_summary(paper)
    assert paper.read_text() == original


def test_median_of_runs():
    assert run.median_of([(3.0, 10), (1.0, 30), (2.0, 20)]) == (2.0, 30)


def test_a_ratio_is_the_median_of_the_ratios_within_turns():
    # a slow minute stretches both runs of its turn: 20/2 and 10/1 are the same ratio, but the
    # medians of each side (10 and 1.5) would make it 15%
    builds, updates = [10.0, 20.0, 8.0], [1.0, 2.0, 1.5]
    assert run.median([u / b for u, b in zip(updates, builds)]) == 0.1
    assert run.median([3.0, 1.0, 2.0, 5.0]) == 3.0  # of an even number, the upper middle one


@pytest.mark.skipif(shutil.which("avi-atlas") is None, reason="needs the installed avi-atlas command")
def test_the_harness_measures_a_small_catalog(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "unused"))  # measure() sets its own
    trash = run.Trash(tmp_path)
    for old in ("site", "site-cold"):  # left by an earlier run
        write(tmp_path / "40" / old / "marker", old)
    result, setup = run.measure(40, tmp_path, hugo=False, times=1, trash=trash)
    for key in ("validate_cold", "build_cold", "validate_warm", "build", "rebuild_no_change",
                "rebuild_one_change", "validate_one_change"):
        wall, peak = result[key]
        assert wall > 0 and peak > 0, key
    assert result["pages"] > 40 and result["avg_page_kb"] > 0
    (turn,) = result["turns"]  # one full build and its update (and no Hugo build: hugo=False)
    assert turn["build_cpu"] > 0
    assert turn == {"build": result["build"][0], "build_cpu": turn["build_cpu"], "hugo": None,
                    "one_change": result["rebuild_one_change"][0]}
    assert (setup.papers, setup.pages, setup.hugo) == (40, result["pages"], None)
    assert setup.site == tmp_path / "40" / "site" and setup.build[-3:] == ["--out", str(setup.site), "--no-search"]
    assert setup.cache == tmp_path / "40" / "record-cache"
    assert result["one_change_over_full"] == round(turn["one_change"] / turn["build"], 3)
    # the sites it was done with were moved aside, not deleted, while it timed runs; emptied after
    moved = {p.name: p for p in trash.root.iterdir()}
    assert set(moved) == {"0-site", "1-site-cold"}, moved
    assert all((moved[f"{n}-{old}"] / "marker").read_text() == old for n, old in enumerate(("site", "site-cold")))
    assert (tmp_path / "40" / "site" / "index.html").is_file()
    (tmp_path / ".trash-left-by-a-stopped-run").mkdir()
    trash.empty()
    assert not list(tmp_path.glob(".trash-*"))


def test_time_per_page_against_the_smaller_size():
    # 10 pages in 1 s, then 50 pages: in 5 s that is linear (1.0), in 6 s 20% more per page
    assert run.per_page([(1.0, 6.0), (2.0, 10.0)], 10, 50) == [1.0, 1.2]
    assert run.per_page([(2.0, 3.0)], 10, 20) == [0.75]


@pytest.mark.skipif(shutil.which("avi-atlas") is None, reason="needs the installed avi-atlas command")
def test_growth_builds_the_sizes_in_turn(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "unused"))  # growth() sets each size's
    trash = run.Trash(tmp_path)
    setups = []
    for n in (20, 40):
        base = tmp_path / str(n)
        generate(n, base / "catalog")
        build = [shutil.which("avi-atlas"), "build", "--catalog", str(base / "catalog"), "--out", str(base / "site"),
                 "--no-search"]
        setups.append(run.Setup(n, 100 * n, build, base / "cache", base / "site", None, base / "public"))
    (row,) = run.growth(setups, 2, trash)
    assert row["papers"] == (20, 40) and row["pages"] == (2000, 4000)
    assert len(row["turns"]) == 2 and all(min(t["build"] + t["cpu"]) > 0 for t in row["turns"])
    assert all(t["hugo"] == (None, None) for t in row["turns"]) and "hugo_per_page" not in row
    for key in ("build", "cpu"):
        assert row[f"{key}_per_page"] == run.per_page([t[key] for t in row["turns"]], 2000, 4000)
    # each size built with its own record cache, into an empty folder: the first turn's sites moved aside
    assert all((s.cache).is_dir() and (s.site / "index.html").is_file() for s in setups)
    assert sorted(p.name for p in trash.root.iterdir()) == ["0-site", "1-site"]
    assert run.growth_line(row).startswith("     40 vs 20: pages ×2.00; time per page, against 20's: wall ")


def test_where_times_every_page_by_kind(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    counts = generate(30, tmp_path / "catalog")
    kinds = where.pages_by_kind(tmp_path / "catalog", tmp_path / "out")
    by_kind = {kind: (n, seconds) for kind, n, seconds in kinds}
    assert by_kind["paper.html"][0] == counts["papers"] and by_kind["dataset.html"][0] == counts["datasets"]
    assert "data file .json" in by_kind and "data file .bib" in by_kind
    planned = render.plan(pipeline.validate(tmp_path / "catalog")[0])
    assert sum(n for n, _ in by_kind.values()) == len(planned)  # every page, each once
    assert all(seconds > 0 for _, seconds in by_kind.values())
    assert [s for _, _, s in kinds] == sorted((s for _, _, s in kinds), reverse=True)
    assert (tmp_path / "out" / "papers" / "paper-0" / "index.html").is_file()


def test_where_times_the_steps_of_an_update(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    generate(30, tmp_path / "catalog")
    paper = tmp_path / "catalog" / "papers" / "paper-0.yaml"
    before = paper.read_text()
    update = where.update_steps(tmp_path / "catalog", tmp_path / "site")
    assert update["rendered"] == 5  # its page, the three data files of every paper, and the feed (which shows it)
    assert paper.read_text() == before  # the edit is undone
    assert update["imports"] > 0
    for step in ("pipeline.validate", "pipeline.load", "incremental.load", "render.update", "incremental.save"):
        assert 0 < update["steps"][step] <= update["seconds"], step
    assert update["steps"]["render.render_into"] <= update["steps"]["render.update"]  # nested in it


def test_timing_adds_up_calls_and_puts_the_functions_back():
    import types

    module = types.ModuleType("pkg.mod")
    module.work = lambda n: sum(range(n))
    original = module.work
    with where.timing({module: ("work",)}) as spent:
        assert module.work(10) == 45 and module.work(3) == 3
        assert module.work is not original
    assert module.work is original and spent["mod.work"] > 0 and list(spent) == ["mod.work"]
