"""derive: leaderboards, counts and BibTeX, as plain data."""

from __future__ import annotations

from pathlib import Path

import pytest

from avi_atlas import derive, pipeline
from avi_atlas.models import Paper

from .conftest import FIXTURE_CATALOG


def load(path: Path = FIXTURE_CATALOG):
    cat, report = pipeline.validate(path)
    assert report.ok, report.format()
    return cat


def add_rows(catalog: Path, rows: str) -> None:
    path = catalog / "benchmarks/clips-v2a.yaml"
    path.write_text(path.read_text() + rows)


ROW = "  - system: {name}\n    values: {{{values}}}\n    source: {{url: 'https://example.org/lb', where: t}}\n"


def test_leaderboard_ranks_lower_is_better_and_marks_best():
    board = derive.leaderboard(load(), "clips-v2a")
    assert board.main == "fad" and board.metrics == ["fad", "acc"]
    assert [(r.rank, r.name) for r in board.rows] == [(1, "SoundMaker"), (2, "Closed-Model")]
    assert board.rows[0].best == {"fad", "acc"} and board.rows[1].best == set()
    assert board.rows[0].date == "2024-03" and board.rows[1].date is None


def test_leaderboard_ties_share_a_rank_and_rows_without_main_metric_come_last(catalog):
    add_rows(catalog, ROW.format(name="Tie", values="fad: 1.5") + ROW.format(name="NoFad", values="acc: 99.0"))
    board = derive.leaderboard(load(catalog), "clips-v2a")
    assert [(r.rank, r.name) for r in board.rows] == [(1, "SoundMaker"), (1, "Tie"), (3, "Closed-Model"), (None, "NoFad")]
    assert "fad" in board.rows[1].best and "acc" in board.rows[3].best


def test_higher_is_better_ranks_descending(catalog):
    path = catalog / "benchmarks/clips-v2a.yaml"
    path.write_text(path.read_text().replace("metrics: [fad, acc]", "metrics: [acc, fad]"))
    add_rows(catalog, ROW.format(name="Best", values="acc: 90"))
    board = derive.leaderboard(load(catalog), "clips-v2a")
    assert [r.name for r in board.rows if r.rank] == ["Best", "SoundMaker"]


def test_cells_keep_a_column_to_one_precision(catalog):
    add_rows(catalog, ROW.format(name="Round", values="fad: 3.0"))
    board = derive.leaderboard(load(catalog), "clips-v2a")
    assert [board.cell(r, "fad") for r in board.rows] == ["1.50", "2.25", "3.00"]


def test_paper_results_give_rank_out_of_ranked_rows():
    [(bid, row, ranked)] = derive.paper_results(load(), "sound-maker")
    assert (bid, row.rank, ranked) == ("clips-v2a", 1, 2)


def test_node_counts_include_descendants():
    cat = load()
    assert derive.node_counts(cat, "tasks", "generation") == {"papers": 1, "datasets": 1, "benchmarks": 1}
    assert derive.node_counts(cat, "tasks", "perception") == {"papers": 2, "datasets": 1, "benchmarks": 0}
    assert derive.node_counts(cat, "methods", "generation-centric") == {"papers": 1}


def test_bibtex_entry_types_and_escaping():
    p = Paper.model_validate({"title": "Sound & Vision: 100% {Fun}_", "authors": ["Relja Arandjelović", "A B"],
                              "year": 2024, "venue": "CVPR", "arxiv": "2403.00001", "tasks": ["x"]})
    assert derive.bibtex("sound-vision", p) == (
        "@inproceedings{sound-vision,\n"
        "  title = {{Sound \\& Vision: 100\\% \\{Fun\\}\\_}},\n"
        "  author = {Relja Arandjelović and A B},\n"
        "  booktitle = {CVPR},\n"
        "  year = {2024},\n"
        "  eprint = {2403.00001},\n"
        "  archivePrefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/2403.00001}\n"
        "}"
    )


@pytest.mark.parametrize("venue, kind", [("TPAMI", "@article"), ("arXiv", "@misc"), (None, "@misc"), ("NeurIPS", "@inproceedings")])
def test_bibtex_kind(venue, kind):
    p = Paper.model_validate({"title": "T", "url": "https://e.org", "tasks": ["x"], "venue": venue})
    assert derive.bibtex("t", p).startswith(kind + "{t,")


@pytest.mark.parametrize("data, name", [
    ({"title": "MMAudio: Taming Multimodal Joint Training"}, "MMAudio"),
    ({"title": "Learning Audio-Visual Speech Representation", "name": "AV-HuBERT"}, "AV-HuBERT"),
    ({"title": "A very long head that is not a name at all, really: and a tail"}, "A very long head that is not a name at all, really: and a tail"),
])
def test_short_name(data, name):
    assert derive.short_name(Paper.model_validate({**data, "url": "https://e.org", "tasks": ["x"]})) == name


def test_year_histogram_fills_gaps():
    cat = load()
    assert derive.year_histogram(cat, ["sound-maker", "clips-paper"]) == [(2022, 1), (2023, 0), (2024, 1)]
    assert derive.year_histogram(cat, []) == []


def test_bibtex_marks_incomplete_author_lists():
    p = Paper.model_validate({"title": "T", "url": "https://e.org", "tasks": ["x"], "authors": ["A B"],
                              "authors_complete": False})
    assert "  author = {A B and others}," in derive.bibtex("t", p)
