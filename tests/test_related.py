"""related: papers sharing tasks, datasets and methods, best first, deterministic."""

from __future__ import annotations

from pathlib import Path

from avi_atlas import pipeline
from avi_atlas.related import related

from .conftest import write


def test_related_ranks_by_shared_tasks_datasets_methods(catalog: Path):
    write(catalog / "papers/twin.yaml", "title: Twin\nurl: https://e.org/t\nyear: 2025\ntasks: [video-to-audio]\n"
          "methods: [diffusion]\ndatasets: [clips-100]\n")
    write(catalog / "papers/cousin.yaml", "title: Cousin\nurl: https://e.org/c\nyear: 2025\ntasks: [av-segmentation]\n"
          "methods: [diffusion]\n")
    write(catalog / "papers/older-twin.yaml", "title: Older twin\nurl: https://e.org/o\nyear: 2020\n"
          "tasks: [video-to-audio]\nmethods: [diffusion]\ndatasets: [clips-100]\n")
    cat, report = pipeline.validate(catalog)
    assert report.ok, report.format()
    got = related(cat, "sound-maker")
    assert [pid for pid, _ in got] == ["twin", "older-twin", "cousin"]
    assert got[0][1] == ["task:video-to-audio", "dataset:clips-100", "method:diffusion"]
    assert related(cat, "sound-maker") == got  # deterministic
    assert all(pid != "sound-maker" for pid, _ in got)
    assert len(related(cat, "sound-maker", limit=1)) == 1


def test_a_paper_sharing_nothing_has_no_related(catalog: Path):
    cat, _ = pipeline.validate(catalog)
    assert related(cat, "clips-paper") == []
