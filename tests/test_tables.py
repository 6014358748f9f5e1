"""tables: one comparison row per paper, with facets for the filters."""

from __future__ import annotations

from avi_atlas import pipeline, tables

from .conftest import FIXTURE_CATALOG


def rows():
    cat, _ = pipeline.validate(FIXTURE_CATALOG)
    return cat, tables.comparison(cat, ["sound-maker", "seg-net", "clips-paper"])


def test_rows_carry_the_comparison_properties():
    _, rs = rows()
    sm = rs[0]
    assert (sm.id, sm.name, sm.year, sm.venue, sm.methods) == ("sound-maker", "SoundMaker", 2024, "CVPR", ["diffusion"])
    assert (sm.inputs, sm.outputs, sm.datasets, sm.code) == (["video", "text"], ["audio"], ["clips-100"],
                                                              "https://example.org/sound-maker")
    assert rs[2].inputs == [] and rs[2].code is None


def test_headline_is_the_best_placing():
    _, rs = rows()
    h = rs[0].headline
    assert (h.benchmark, h.rank, h.of, h.metric, h.value) == ("clips-v2a", 1, 2, "fad", "1.50")
    assert rs[1].headline is None


def test_facets_list_what_the_rows_hold():
    _, rs = rows()
    assert tables.facets(rs) == {"years": [2022, 2023, 2024], "venues": ["CVPR"], "methods": ["diffusion"],
                                 "inputs": ["audio", "text", "video"], "outputs": ["audio", "image"]}
