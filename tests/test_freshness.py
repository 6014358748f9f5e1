"""freshness.py: a site is trusted only while its inputs and its files are as its manifest says."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from avi_atlas import freshness, prefetch


def up_to_date(site: Path, inputs: str) -> bool:
    """What a build decides from the site alone (prefetch.Seen), its catalog left out."""
    return prefetch.look(site.parent / "no-catalog", site).up_to_date(inputs)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    (out / "papers/a").mkdir(parents=True)
    (out / "index.html").write_text("<p>home</p>")
    (out / "papers/a/index.html").write_text("<p>paper a</p>")
    (out / freshness.MANIFEST).write_text(freshness.manifest("inputs-1", "build-1", freshness.sizes_under(out, "")))
    return out


def test_a_manifest_is_read_back_as_written(site: Path):
    assert freshness.recorded(site) == {"inputs": "inputs-1", "build": "build-1",
                                        "files": {"index.html": 11, "papers/a/index.html": 14}}
    assert freshness.intact(site) and up_to_date(site, "inputs-1")


def test_a_built_site_s_manifest_lists_exactly_its_files_and_their_sizes(catalog: Path, tmp_path: Path):
    from avi_atlas import pipeline

    site = tmp_path / "site"

    def on_disk() -> dict[str, int]:
        return {rel: size for rel, size in freshness.walk(site) if rel != freshness.MANIFEST}

    assert pipeline.build(catalog, site, use_cache=True).ok  # sizes as the pages were written, not a walk
    assert freshness.recorded(site)["files"] == on_disk()
    paper = catalog / "papers/seg-net.yaml"
    paper.write_text(paper.read_text().replace("Segmenting What Sounds", "Segmenting What Sings, Longer"))
    assert pipeline.build(catalog, site, use_cache=True).rendered > 0  # an update
    assert freshness.recorded(site)["files"] == on_disk()


def test_other_inputs_are_not_up_to_date(site: Path):
    assert not up_to_date(site, "inputs-2")


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
    assert not up_to_date(site, "inputs-1")


def test_a_given_manifest_is_used_instead_of_reading_it_again(site: Path):
    manifest = freshness.recorded(site)
    (site / freshness.MANIFEST).unlink()
    assert freshness.intact(site, manifest)
    assert not freshness.intact(site, {"files": {**manifest["files"], "tasks/x/index.html": 3}})


def test_the_catalog_digest_changes_with_any_file_and_with_the_program(tmp_path: Path):
    catalog = tmp_path / "catalog"
    (catalog / "papers").mkdir(parents=True)
    paper = catalog / "papers/a.yaml"
    paper.write_text("id: a\n")

    def digest(program: str) -> str:
        return freshness.digest(program, freshness.catalog_digest(freshness.catalog_stats(catalog)))

    first = digest("program-1")
    assert digest("program-1") == first
    assert digest("program-2") != first
    stat = paper.stat()
    os.utime(paper, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = digest("program-1")
    assert touched != first
    (catalog / "papers/b.yaml").write_text("id: b\n")  # a file added
    assert digest("program-1") not in (first, touched)
