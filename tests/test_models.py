"""models: what a valid record is; every field described; unknown fields refused."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from avi_atlas.models import (KINDS, Benchmark, Dataset, DatasetSplit, Metric, Modalities, Node, Paper, Result,
                              Source, Taxonomy)

PAPER = {"title": "T", "tasks": ["video-to-audio"], "arxiv": "2412.15322"}


def errors(model, data) -> list[tuple[str, tuple]]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(data)
    return [(e["type"], tuple(e["loc"])) for e in exc.value.errors()]


def test_minimal_paper_is_valid():
    p = Paper.model_validate(PAPER)
    assert p.kind == "paper" and p.methods == [] and p.summary is None


@pytest.mark.parametrize("model", [*KINDS.values(), Taxonomy, Result, Source, Modalities, DatasetSplit, Node])
def test_every_field_has_a_description(model: type[BaseModel]):
    missing = [name for name, info in model.model_fields.items() if not info.description]
    assert missing == []


@pytest.mark.parametrize("model", [*KINDS.values(), Taxonomy])
def test_unknown_fields_are_errors(model):
    assert ("extra_forbidden", ("bogus",)) in errors(model, {"bogus": 1})


@pytest.mark.parametrize("field, value, code", [
    ("url", "javascript:alert(1)", "unsafe-url"),
    ("url", "data:text/html,<script>", "unsafe-url"),
    ("url", "file:///etc/passwd", "unsafe-url"),
    ("url", "//evil.example/x", "unsafe-url"),
    ("url", "https://exa mple.org", "unsafe-url"),
    ("code", "ftp://example.org/x", "unsafe-url"),
    ("arxiv", "arXiv:2412.15322", "string_pattern_mismatch"),
    ("arxiv", "2412.15322v2", "string_pattern_mismatch"),
    ("doi", "https://doi.org/10.1/x", "string_pattern_mismatch"),
    ("date", "2024-13", "string_pattern_mismatch"),
    ("date", "2024", "string_pattern_mismatch"),
    ("year", 1899, "greater_than_equal"),
    ("year", "twenty", "int_parsing"),
    ("tasks", ["Video To Audio"], "invalid-id"),
    ("tasks", ["../etc"], "invalid-id"),
    ("tasks", ["a" * 65], "invalid-id"),
    ("authors", "Ann Author", "list_type"),
    ("title", "   ", "empty-value"),
    ("kind", "blog", "literal_error"),
])
def test_paper_field_errors(field, value, code):
    got = errors(Paper, {**PAPER, field: value})
    assert got and got[0][0] == code and got[0][1][0] == field


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/a?b=c#d", "HTTPS://EXAMPLE.ORG/x"])
def test_http_urls_are_accepted(url):
    assert Paper.model_validate({**PAPER, "url": url}).url == url


def test_old_style_arxiv_ids_are_accepted():
    assert Paper.model_validate({**PAPER, "arxiv": "cs/0112017"}).arxiv == "cs/0112017"


def test_modalities_use_the_fixed_vocabulary():
    got = errors(Paper, {**PAPER, "modalities": {"input": ["sound"], "output": []}})
    assert got == [("literal_error", ("modalities", "input", 0))]


def test_paper_needs_an_identifier_unless_unverified():
    assert errors(Paper, {"title": "T", "tasks": ["x"]}) == [("missing-identifier", ())]
    assert Paper.model_validate({"title": "T", "tasks": ["x"], "unverified": True}).unverified


def test_paper_needs_a_task_or_a_method():
    assert errors(Paper, {**PAPER, "tasks": []}) == [("no-task-or-method", ())]
    assert Paper.model_validate({**PAPER, "tasks": [], "methods": ["diffusion"]}).methods == ["diffusion"]


def test_result_names_paper_or_system_and_one_source():
    src = {"paper": "p", "where": "Table 1"}
    assert errors(Result, {"values": {"fad": 1}, "source": src}) == [("invalid-result", ())]
    assert errors(Result, {"paper": "p", "system": "S", "values": {"fad": 1}, "source": src}) == [("invalid-result", ())]
    assert errors(Source, {"where": "x"}) == [("invalid-source", ())]
    assert errors(Source, {"paper": "p", "url": "https://e.org", "where": "x"}) == [("invalid-source", ())]
    assert ("too_short", ("values",)) in errors(Result, {"paper": "p", "values": {}, "source": src})


def test_benchmark_needs_tasks_and_metrics():
    got = errors(Benchmark, {"name": "B"})
    assert ("missing", ("tasks",)) in got and ("missing", ("metrics",)) in got


def test_dataset_sizes_are_non_negative_numbers():
    assert errors(Dataset, {"name": "D", "clips": -1}) == [("greater_than_equal", ("clips",))]
    assert errors(Dataset, {"name": "D", "hours": "many"}) == [("float_parsing", ("hours",))]


def test_metric_range():
    m = Metric.model_validate({"name": "FAD", "higher_is_better": False, "range": [0, None]})
    assert m.in_range(0) and m.in_range(1e9) and not m.in_range(-0.1)
    assert errors(Metric, {"name": "x", "higher_is_better": True, "range": [1, 0]}) == [("invalid-range", ())]
    assert ("missing", ("higher_is_better",)) in errors(Metric, {"name": "x"})
