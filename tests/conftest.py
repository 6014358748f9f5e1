"""Shared fixtures: a fresh copy of the fixture catalog, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avi_atlas.cli import app

DATA = Path(__file__).parent / "data"
FIXTURE_CATALOG = DATA / "catalog"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of tests/data/catalog; the working directory is its parent,
    so issue paths read ``catalog/papers/x.yaml``."""
    target = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, target)
    monkeypatch.chdir(tmp_path)
    return target


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
