"""freshness.py: a site is trusted only while its inputs and its files are as its manifest says."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from avi_atlas import freshness


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    (out / "papers/a").mkdir(parents=True)
    (out / "index.html").write_text("<p>home</p>")
    (out / "papers/a/index.html").write_text("<p>paper a</p>")
    (out / freshness.MANIFEST).write_text(freshness.manifest(out, "inputs-1", "build-1"))
    return out


def test_the_manifest_lists_every_file_by_size_but_not_itself(site: Path):
    files = freshness.recorded(site)["files"]
    assert files == {"index.html": 11, "papers/a/index.html": 14}
    assert freshness.intact(site) and freshness.up_to_date(site, "inputs-1")


def test_other_inputs_are_not_up_to_date(site: Path):
    assert not freshness.up_to_date(site, "inputs-2")


@pytest.mark.parametrize("damage", [
    lambda s: (s / "papers/a/index.html").unlink(),
    lambda s: (s / "papers/a/index.html").write_text("<p>edited by hand</p>"),
    lambda s: ((s / "index.html").unlink(), (s / "index.html").mkdir()),
    lambda s: (s / freshness.MANIFEST).write_text("{not json"),
    lambda s: (s / freshness.MANIFEST).write_text(json.dumps({"inputs": "inputs-1", "files": ["index.html"]})),
    lambda s: (s / freshness.MANIFEST).unlink(),
], ids=["deleted", "resized", "now-a-folder", "manifest-damaged", "manifest-wrong-shape", "manifest-gone"])
def test_a_site_damaged_by_hand_is_not_trusted(site: Path, damage):
    damage(site)
    assert not freshness.intact(site)
    assert not freshness.up_to_date(site, "inputs-1")


def test_a_given_manifest_is_used_instead_of_reading_it_again(site: Path):
    manifest = freshness.recorded(site)
    (site / freshness.MANIFEST).unlink()
    assert freshness.intact(site, manifest) and freshness.up_to_date(site, "inputs-1", manifest)
    assert not freshness.intact(site, {"files": {**manifest["files"], "tasks/x/index.html": 3}})


def test_the_catalog_digest_changes_with_any_file_and_with_the_program(tmp_path: Path):
    catalog = tmp_path / "catalog"
    (catalog / "papers").mkdir(parents=True)
    paper = catalog / "papers/a.yaml"
    paper.write_text("id: a\n")
    first = freshness.digest(catalog, "program-1")
    assert freshness.digest(catalog, "program-1") == first
    assert freshness.digest(catalog, "program-2") != first
    stat = paper.stat()
    os.utime(paper, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert freshness.digest(catalog, "program-1") != first
    (catalog / "papers/b.yaml").write_text("id: b\n")
    assert len({first, freshness.digest(catalog, "program-1")}) == 2
