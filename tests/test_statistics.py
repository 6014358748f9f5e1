"""stats and export commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path


def test_stats_counts_and_missing_fields(catalog: Path, cli):
    result = cli("stats", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["records"] == {"papers": 3, "datasets": 1, "benchmarks": 1, "metrics": 2}
    assert data["papers_by_pillar"] == {"perception": 2, "generation": 1}
    assert data["papers_by_year"] == {"2022": 1, "2023": 1, "2024": 1}
    assert data["missing"]["papers"]["venue"] == ["clips-paper", "seg-net"]
    text = cli("stats").stdout
    assert "papers.venue: 2 (clips-paper, seg-net)" in text


def test_export_formats(catalog: Path, cli, tmp_path: Path):
    data = json.loads(cli("export", "--format", "json").stdout)
    assert set(data["papers"]) == {"clips-paper", "seg-net", "sound-maker"}
    rows = list(csv.DictReader(io.StringIO(cli("export", "-f", "csv", "--kind", "results").stdout)))
    assert len(rows) == 3
    assert cli("export", "-f", "csv", "--out", str(tmp_path / "csv")).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "benchmarks.csv", "datasets.csv", "metrics.csv", "papers.csv", "results.csv"]
    assert cli("export", "-f", "bib").stdout.count("@") == 3
    assert cli("export", "-f", "csv", "--kind", "nope").exit_code == 2


def test_export_refuses_a_broken_catalog(catalog: Path, cli):
    (catalog / "papers/seg-net.yaml").write_text("title: [\n")
    result = cli("export", "-f", "json")
    assert result.exit_code == 1 and result.stdout.startswith("catalog/papers/seg-net.yaml")
