"""Faults: a build killed at any point leaves a whole site (the old one, or the whole new one) and the
next build cleans up; builds are reproducible, with SOURCE_DATE_EPOCH as the only date printed."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from avi_atlas import pipeline

from .conftest import write
from .killable import kill_when_parked
from .htmlutil import parse_file

# Parks a build at one point (see killable.py), so the test can SIGKILL it there.
KILLABLE_BUILD = r"""
if point == "writing":  # some pages of the new site written, others not
    original, written = render._Writer.write, [0]
    def write(self, *args, **kwargs):
        written[0] += 1
        if written[0] == 5:
            park()
        return original(self, *args, **kwargs)
    render._Writer.write = write
elif point == "before-swap":  # the new site complete in its temporary folder
    original_swap = render._swap
    def swap(new, out):
        park()
        original_swap(new, out)
    render._swap = swap
elif point == "after-swap":  # the new site in place, the old one being deleted
    render.shutil.rmtree = lambda *args, **kwargs: park()
pipeline.build(pathlib.Path(catalog), pathlib.Path(out))
"""


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def leftovers(site: Path) -> list[str]:
    return sorted(p.name for p in site.parent.glob(f".{site.name}.*"))


@pytest.mark.parametrize("point, survivor", [("writing", "old"), ("before-swap", "old"), ("after-swap", "new")])
def test_sigkill_mid_build_leaves_a_whole_site(catalog: Path, tmp_path: Path, point: str, survivor: str):
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    old = snapshot(site)
    write(catalog / "papers/late-paper.yaml",
          "title: A Late Paper\nurl: https://example.org/late\ntasks: [video-to-audio]\n")
    assert pipeline.build(catalog, tmp_path / "expected-new").ok
    new = snapshot(tmp_path / "expected-new")
    assert new != old

    flag = tmp_path / "parked"
    returncode = kill_when_parked(KILLABLE_BUILD, catalog, site, point, flag)
    assert returncode == -signal.SIGKILL

    assert snapshot(site) == (old if survivor == "old" else new), f"killed at {point}: site/ is not a whole site"
    assert leftovers(site), "the killed build should have left its temporary folder behind"
    # the next build completes and removes what the killed one left
    assert pipeline.build(catalog, site).ok
    assert snapshot(site) == new
    assert leftovers(site) == []


def test_source_date_epoch_is_the_only_date_printed(catalog: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 UTC
    a, b = tmp_path / "a", tmp_path / "b"
    assert pipeline.build(catalog, a).ok and pipeline.build(catalog, b).ok
    assert snapshot(a) == snapshot(b)
    footer = parse_file(a / "index.html").find("footer")
    assert footer.find("time").attrs["datetime"] == "2023-11-14"
    assert "<updated>2023-11-14T00:00:00Z</updated><author>" in (a / "feed.xml").read_text()
    # another SOURCE_DATE_EPOCH is another input: the site is rebuilt, not skipped
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    report = pipeline.build(catalog, a)
    assert report.ok and not report.up_to_date
    assert parse_file(a / "index.html").find("footer").find("time").attrs["datetime"] == "2025-01-01"


def test_without_source_date_epoch_the_date_comes_from_the_records(catalog: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    newest = max(line.split(":", 1)[1].strip() for f in catalog.rglob("*.yaml")
                 for line in f.read_text(encoding="utf-8").splitlines() if line.startswith("added:"))
    assert parse_file(site / "index.html").find("footer").find("time").attrs["datetime"] == newest
