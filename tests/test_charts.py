"""charts: inline SVG that is an accessible image, scaled to its data; SOTA steps from leaderboards."""

from __future__ import annotations

import re
from pathlib import Path

from avi_atlas import charts, derive, pipeline

from .htmlutil import parse


def test_stacked_bars_scale_to_the_largest_total():
    svg = str(charts.stacked_bars("c", "Papers <per> year", ["2023", "2024"], {"perception": [1, 3], "generation": [1, 0]}))
    doc = parse(svg)
    root = doc.find("svg")
    assert root.attrs["role"] == "img" and root.attrs["aria-labelledby"] == "c-t c-d"
    assert doc.find("title").text == "Papers <per> year"  # escaped in the markup, text when parsed
    assert "&lt;per&gt;" in svg
    bars = doc.find_all("rect")
    assert len(bars) == 3 and {b.attrs["class"] for b in bars} == {"bar s-perception", "bar s-generation"}
    heights = sorted(float(b.attrs["height"]) for b in bars)
    assert heights[0] == heights[1] and abs(heights[2] - 3 * heights[0]) < 0.5
    assert doc.find("desc").text == "2023: 2; 2024: 3"


def test_sota_steps_follow_the_metric_direction(catalog: Path):
    path = catalog / "benchmarks/clips-v2a.yaml"
    path.write_text(path.read_text() + (
        "  - system: Later-Worse\n    values: {fad: 3.0}\n    date: '2025-01'\n"
        "    source: {url: 'https://example.org/lb', where: t}\n"
        "  - system: Later-Better\n    values: {fad: 1.0}\n    date: '2025-06'\n"
        "    source: {url: 'https://example.org/lb', where: t}\n"))
    cat, report = pipeline.validate(catalog)
    assert report.ok, report.format()
    points, steps = derive.sota(cat, "clips-v2a", "fad")
    assert [p.label for p in points] == ["SoundMaker", "Later-Worse", "Later-Better"]  # undated row left out
    assert [(s.month, s.label, s.value) for s in steps] == [("2024-03", "SoundMaker", 1.5), ("2025-06", "Later-Better", 1.0)]
    svg = str(charts.step_chart("s", "FAD", points, steps, False))
    assert len(re.findall(r"<circle", svg)) == 3 and svg.count('class="step-label"') == 2
    assert "lower is better" in parse(svg).find("desc").text


def test_no_points_no_chart():
    assert str(charts.step_chart("s", "x", [], [], True)) == ""
