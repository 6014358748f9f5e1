"""rules: each cross-record check, on a bad fixture, gives exactly the issue it must."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from avi_atlas import pipeline
from avi_atlas.rules import normalize_title

from .conftest import write


def lines(catalog: Path) -> list[str]:
    _, report = pipeline.validate(catalog)
    return [i.text().splitlines()[0] for i in report.sorted()]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_catalog_is_clean(catalog):
    assert lines(catalog) == []


PAPER = "catalog/papers/sound-maker.yaml"
BENCH = "catalog/benchmarks/clips-v2a.yaml"


@pytest.mark.parametrize("file, old, new, expected", [
    (PAPER, "tasks: [video-to-audio]", "tasks: [video-to-audi]",
     f"{PAPER}:8:9: error[unknown-task] tasks[0]: 'video-to-audi' is not a task id (did you mean 'video-to-audio'?)"),
    (PAPER, "tasks: [video-to-audio]", "tasks: [cross-modal-generation]",
     f"{PAPER}:8:9: error[not-a-leaf] tasks[0]: 'cross-modal-generation' is a group of tasks; list the specific task(s) instead"),
    (PAPER, "methods: [diffusion]", "methods: [difusion]",
     f"{PAPER}:9:11: error[unknown-method] methods[0]: 'difusion' is not a method id (did you mean 'diffusion'?)"),
    (PAPER, "challenges: [synchronization]", "challenges: [safety]",
     f"{PAPER}:10:14: error[unknown-challenge] challenges[0]: 'safety' is not a challenge id"),
    (PAPER, "datasets: [clips-100]", "datasets: [clips-10]",
     f"{PAPER}:14:12: error[unknown-dataset] datasets[0]: 'clips-10' is not a dataset id in the catalog (did you mean 'clips-100'?)"),
    ("catalog/datasets/clips-100.yaml", "paper: clips-paper", "paper: clip-paper",
     "catalog/datasets/clips-100.yaml:3:8: error[unknown-paper] paper: 'clip-paper' is not a paper id in the catalog (did you mean 'clips-paper'?)"),
    (BENCH, "metrics: [fad, acc]", "metrics: [fad, acc, fvd]",
     f"{BENCH}:5:21: error[unknown-metric] metrics[2]: 'fvd' is not a metric id in the catalog (did you mean 'fad'?)"),
    (BENCH, "metrics: [fad, acc]", "metrics: [fad]",
     f"{BENCH}:9:24: error[undeclared-metric] results[0].values.acc: 'acc' is not among this benchmark's metrics (fad)"),
    (BENCH, "values: {fad: 1.5, acc: 80.25}", "values: {fad: 1.5, ac: 80.25}",
     f"{BENCH}:9:24: error[unknown-metric] results[0].values.ac: 'ac' is not a metric id in the catalog (did you mean 'acc'?)"),
    (BENCH, "acc: 80.25", "acc: 180.25",
     f"{BENCH}:9:29: error[value-out-of-range] results[0].values.acc: 180.25 is outside the range of acc [0, 100]"),
    (BENCH, "fad: 2.25", "fad: -2.25",
     f"{BENCH}:12:19: error[value-out-of-range] results[1].values.fad: -2.25 is outside the range of fad [0, inf]"),
    (BENCH, "source: {paper: sound-maker, where: Table 1}", "source: {paper: sound-makr, where: Table 1}",
     f"{BENCH}:10:21: error[unknown-source] results[0].source.paper: source paper 'sound-makr' is not in the catalog (did you mean 'sound-maker'?)"),
    (BENCH, "  - paper: sound-maker", "  - paper: sound-mkr",
     f"{BENCH}:8:12: error[unknown-paper] results[0].paper: 'sound-mkr' is not a paper id in the catalog (did you mean 'sound-maker'?)"),
    (BENCH, "{dataset: clips-100, split: test}", "{dataset: clips, split: test}",
     f"{BENCH}:4:15: error[unknown-dataset] datasets[0].dataset: 'clips' is not a dataset id in the catalog (did you mean 'clips-100'?)"),
    (PAPER, "year: 2024", "year: 2022",
     f"{PAPER}:4:7: error[date-after-year] date: first version 2024-03 is later than the year 2022"),
    (PAPER, 'date: "2024-03"', 'date: "2024-05"',
     f"{PAPER}:4:7: warning[arxiv-date-mismatch] date: date 2024-05 differs from the month of arXiv 2403.00001 (2024-03)"),
    (PAPER, "venue: CVPR", "venue: CVPR 2024",
     f"{PAPER}:5:8: warning[venue-style] venue: 'CVPR 2024' has a year in it"),
    (PAPER, "venue: CVPR", "venue: NIPS",
     f"{PAPER}:5:8: warning[venue-style] venue: 'NIPS' is spelled 'NeurIPS' in this catalog"),
    (PAPER, "tasks: [video-to-audio]", "tasks: [video-to-audio, video-to-audio]",
     f"{PAPER}:8:25: warning[duplicate-entry] tasks[1]: 'video-to-audio' is listed twice"),
])
def test_rule(catalog, file, old, new, expected):
    edit(catalog.parent / file, old, new)
    got = lines(catalog)
    assert got == [expected]


def test_duplicate_arxiv_doi_and_title(catalog):
    write(catalog / "papers/sound-maker-copy.yaml",
          'title: "Soundmaker - fixture audio for silent videos!"\narxiv: "2403.00001"\ndoi: "10.1234/X"\ntasks: [video-to-audio]\n')
    edit(catalog / "papers/seg-net.yaml", 'arxiv: "2305.00002"', 'arxiv: "2305.00002"\ndoi: "10.1234/x"')
    assert sorted(lines(catalog)) == sorted([
        "catalog/papers/sound-maker-copy.yaml:2:8: error[duplicate-arxiv] arxiv: arxiv '2403.00001' is also on 'sound-maker' (catalog/papers/sound-maker.yaml)",
        "catalog/papers/sound-maker-copy.yaml:1:8: error[duplicate-title] title: title is the same as that of 'sound-maker' (catalog/papers/sound-maker.yaml)",
        "catalog/papers/sound-maker-copy.yaml:3:6: error[duplicate-doi] doi: doi '10.1234/X' is also on 'seg-net' (catalog/papers/seg-net.yaml)",
    ])


def test_titles_differing_in_word_order_only_are_near_identical(catalog):
    write(catalog / "papers/other.yaml",
          'title: "Segmenting What Sounds: SegNet-AV"\nurl: https://example.org/x\ntasks: [av-segmentation]\n')
    assert [line.split(" ")[1] for line in lines(catalog)] == ["error[duplicate-title]"]


@pytest.mark.parametrize("a, b", [
    ("Audio--visual segmentation", "Audio-Visual Segmentation"),
    ("Qwen2. 5-omni technical report", "Qwen2.5-Omni Technical Report"),
    ("Fréchet Audio Distance", "Frechet audio distance"),
])
def test_normalize_title(a, b):
    assert normalize_title(a).replace(" ", "") == normalize_title(b).replace(" ", "")


def test_future_year(catalog):
    future = datetime.date.today().year + 2
    edit(catalog / "papers/seg-net.yaml", "year: 2023", f"year: {future}")
    assert lines(catalog) == [f"catalog/papers/seg-net.yaml:3:7: error[future-year] year: {future} is in the future"]


def test_duplicate_result_rows_warn(catalog):
    text = (catalog / "benchmarks/clips-v2a.yaml").read_text()
    row = "  - paper: sound-maker\n    values: {fad: 1.7}\n    source: {paper: sound-maker, where: Table 2}\n"
    (catalog / "benchmarks/clips-v2a.yaml").write_text(text + row)
    assert lines(catalog) == [
        "catalog/benchmarks/clips-v2a.yaml:16:5: warning[duplicate-result] results[2]: the same system and variant already has a row (results[0])"
    ]


@pytest.mark.parametrize("old, new, expected", [
    ("  - id: av-synchronization\n", "  - id: av-segmentation\n",
     "catalog/taxonomy.yaml:13:9: error[duplicate-id] tasks[3].id: 'av-segmentation' is already the id of tasks[2]"),
    ("    parent: cross-modal-generation\n", "    parent: cross-modal-generaton\n",
     "catalog/taxonomy.yaml:23:13: error[unknown-parent] tasks[6].parent: 'cross-modal-generaton' is not an id in tasks (did you mean 'cross-modal-generation'?)"),
    ("  - id: generation\n    name: Audio-Visual Generation\n",
     "  - id: generation\n    name: Audio-Visual Generation\n    parent: video-to-audio\n",
     "catalog/taxonomy.yaml:18:13: error[taxonomy-cycle] tasks[4].parent: 'generation' is its own ancestor"),
    ("  - id: synchronization\n", "  - id: synchronization\n    parent: diffusion\n",
     "catalog/taxonomy.yaml:32:13: error[invalid-parent] challenges[0].parent: challenges have no parent"),
])
def test_taxonomy_rules(catalog, old, new, expected):
    edit(catalog / "taxonomy.yaml", old, new)
    got = lines(catalog)
    assert expected in got, got


def test_file_names_are_ids(catalog):
    write(catalog / "papers/Bad Name.yaml", "title: x\nurl: https://e.org\ntasks: [video-to-audio]\n")
    write(catalog / "papers/notes.yml", "title: x\n")
    write(catalog / "paper/x.yaml", "title: x\n")
    assert lines(catalog) == [
        "catalog/paper: error[unexpected-file] 'paper' is not part of a catalog (did you mean 'papers'?)",
        "catalog/papers/Bad Name.yaml:1:1: error[invalid-id] file name 'Bad Name' is not a valid id: use lowercase letters, digits and single hyphens, at most 64 characters",
        "catalog/papers/notes.yml: error[unexpected-file] not a record file: papers/ holds only <id>.yaml files",
    ]


def test_missing_taxonomy(catalog):
    (catalog / "taxonomy.yaml").unlink()
    got = lines(catalog)
    assert "catalog/taxonomy.yaml: error[missing-taxonomy] the catalog has no taxonomy.yaml" in got
    assert any("unknown-task" in line for line in got)


def test_a_kind_that_is_a_file_is_reported(catalog):
    import shutil

    shutil.rmtree(catalog / "metrics")
    write(catalog / "metrics", "fad: 1\n")
    got = lines(catalog)
    assert "catalog/metrics: error[unexpected-file] 'metrics' must be a folder of <id>.yaml records" in got


def test_references_to_a_broken_record_are_not_reported_again(catalog):
    write(catalog / "papers/clips-paper.yaml", "title: [unclosed\n")
    got = lines(catalog)
    assert len(got) == 1 and "clips-paper.yaml" in got[0] and "yaml-syntax" in got[0], got
