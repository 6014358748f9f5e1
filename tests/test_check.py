"""check: schema errors become issues at the exact YAML node, in plain words."""

from __future__ import annotations

from avi_atlas.check import check, field_path
from avi_atlas.loader import load_text
from avi_atlas.models import Benchmark, Paper


def run(text: str, model=Paper, kind="paper") -> list[str]:
    doc, issues = load_text(text, "p.yaml")
    assert not issues
    model_obj, issues = check(doc, model, kind)
    assert model_obj is None
    return [i.text() for i in issues]


def test_field_path():
    assert field_path(("results", 2, "values", "fad")) == "results[2].values.fad"
    assert field_path(()) == ""


def test_wrong_type_points_at_the_value():
    out = run('title: "T"\narxiv: "2201.02184"\ntasks: [video-to-audio]\nyear: twenty\n')
    assert out == ["p.yaml:4:7: error[wrong-type] year: expected a whole number, got 'twenty' (text)"]


def test_unknown_field_points_at_the_key_with_did_you_mean():
    out = run('title: T\narxiv: "2201.02184"\ntasks: [a]\n  \nauthor: [X]\n')
    assert out == ["p.yaml:5:1: error[unknown-field] 'author' is not a field of a paper (did you mean 'authors'?)"]


def test_missing_field_points_at_the_mapping():
    out = run('arxiv: "2201.02184"\ntasks: [a]\n')
    assert out == ["p.yaml:1:1: error[missing-field] required field 'title' is missing\n    hint: add `title:` to the record"]


def test_all_schema_errors_of_a_file_at_once():
    out = run('title: T\nurl: "javascript:alert(1)"\ntasks: [a]\nyear: 1800\nmodalities: {input: [sound]}\n')
    codes = [line.split(" ")[1] for line in out]
    assert codes == ["error[out-of-range]", "error[unsafe-url]", "error[invalid-value]"]
    assert out[2].startswith("p.yaml:5:22: error[invalid-value] modalities.input[0]: 'sound' (text) is not one of: audio")


def test_list_expected_hint():
    out = run('title: T\narxiv: "2201.02184"\ntasks: video-to-audio\n')
    assert out[0].startswith("p.yaml:3:8: error[wrong-type] tasks: expected a list, got 'video-to-audio' (text)")
    assert "[video-to-audio]" in out[0]


def test_format_errors_explain_the_format():
    out = run('title: T\narxiv: "arXiv:2201.02184"\ntasks: [a]\n')
    assert out == ["p.yaml:2:8: error[invalid-format] arxiv: 'arXiv:2201.02184' (text) is not an arXiv id "
                   "such as 2201.02184 (no 'arXiv:' prefix, no version)"]


def test_nested_result_positions():
    text = (
        "name: B\ntasks: [t]\nmetrics: [fad]\nresults:\n"
        "  - paper: p\n    values: {fad: lots}\n    source: {paper: p, where: T1}\n"
        "  - paper: q\n    values: {fad: 1}\n    source: {where: T2}\n"
    )
    out = run(text, Benchmark, "benchmark")
    assert out == [
        "p.yaml:6:19: error[wrong-type] results[0].values.fad: expected a number, got 'lots' (text)",
        "p.yaml:10:13: error[invalid-source] results[1].source: a source names either a 'paper' id or an official leaderboard 'url'",
    ]
