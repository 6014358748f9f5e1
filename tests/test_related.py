"""related: papers sharing tasks, datasets and methods, best first, deterministic."""

from __future__ import annotations

from pathlib import Path

from avi_atlas import pipeline
from avi_atlas.related import WEIGHTS, related

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


def _reference(cat, pid: str, limit: int, pool: int) -> list[tuple[str, list[str]]]:
    """related() worked out the slow, obvious way: each paper's score is the weight of every task,
    dataset and method of ``pid`` whose newest ``pool`` papers include it."""
    papers = cat.records["papers"]

    has = {p: [f"{kind[:-1]}:{ref}" for kind in WEIGHTS for ref in dict.fromkeys(getattr(papers[p].model, kind))]
           for p in papers}
    refs = has.__getitem__

    def newest(p: str) -> tuple:
        return (-(papers[p].model.year or 0), p)

    score: dict[str, int] = {}
    for ref in refs(pid):
        members = sorted((p for p in papers if ref in refs(p)), key=newest)[:pool]
        for p in members:
            score[p] = score.get(p, 0) + WEIGHTS[ref.partition(":")[0] + "s"]
    score.pop(pid, None)
    best = sorted(score, key=lambda p: (-score[p], *newest(p)))[:limit]
    return [(p, [ref for ref in refs(pid) if ref in refs(p)]) for p in best]


def test_related_matches_an_exhaustive_count_with_truncated_pools(catalog: Path, monkeypatch):
    """Sixty papers with random tasks, datasets, methods and years (many ties, some without a year
    or a task): every paper's list is the one counting every pool's members one by one gives, with
    pools cut to the newest five so that membership, weights and ties all matter."""
    import random

    rng = random.Random(3)
    clips = (catalog / "datasets/clips-100.yaml").read_text()
    for d in range(4):
        write(catalog / f"datasets/d{d}.yaml", clips.replace("name: Clips-100", f"name: D{d}"))
    tasks = ["av-segmentation", "av-synchronization", "video-to-audio"]
    for i in range(60):
        year = f"year: {rng.choice([2019, 2020, 2021])}\n" if rng.random() < 0.8 else ""
        mine = rng.sample(tasks, rng.randint(0, 3))
        write(catalog / f"papers/p{i:02d}.yaml",  # (a paper needs a task or a method)
              f"title: P{i}\nurl: https://e.org/{i}\n{year}tasks: [{', '.join(mine)}]\n"
              f"methods: [{'diffusion' if not mine or rng.random() < 0.5 else ''}]\n"
              f"datasets: [{', '.join(rng.sample([f'd{d}' for d in range(4)], rng.randint(0, 2)))}]\n")
    cat, report = pipeline.validate(catalog)
    assert report.ok, report.format()
    monkeypatch.setattr("avi_atlas.related.POOL", 5)
    for pid in sorted(cat.records["papers"]):
        for limit in (6, 20):
            assert related(cat, pid, limit) == _reference(cat, pid, limit, 5), (pid, limit)
