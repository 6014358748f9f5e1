"""prefetch: a child takes the stats a build starts with while the program imports; the build uses
them only for the folders it was given, and what it builds is what it builds without them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from avi_atlas import cli as cli_module, freshness, pipeline, prefetch, render

from .conftest import write
from .test_incremental import edit, same_as_clean
from .test_incremental import synthetic  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _no_child_left():
    """A test that starts a child takes it (or the next test would get its verdict)."""
    yield
    assert prefetch._CHILD is None


COMMAND_LINES = [
    ["build"],
    ["build", "--catalog", "c1", "--out", "o1"],
    ["build", "-c", "c1", "-o", "o1", "--no-search"],
    ["build", "-cc1", "-oo1"],
    ["build", "--catalog=c1", "--out=o1", "--strict"],
    ["build", "--base-url", "/x/", "-c", "c1", "-c", "c2"],
    ["build", "--no-cache", "--repo-url", "https://github.com/o/r", "--out", "o2"],
    ["validate"],
    ["validate", "-c", "c1", "--format", "json"],
    ["validate", "--catalog=c2", "--no-cache"],
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=[" ".join(a) for a in COMMAND_LINES])
def test_the_folders_read_from_a_command_line_are_those_typer_passes(argv: list[str], monkeypatch):
    got = {}

    def build(root, out, **kwargs):
        got.update(catalog=str(root), site=str(out))
        return pipeline.Report()

    def validate(root, *args, **kwargs):
        got.update(catalog=str(root), site=None)
        return None, pipeline.Report()

    monkeypatch.setattr(pipeline, "build", build)
    monkeypatch.setattr(pipeline, "validate", validate)
    monkeypatch.setattr(cli_module, "_settings", lambda path: None)
    with pytest.raises(SystemExit):
        cli_module.app(argv, prog_name="avi-atlas")
    assert prefetch.folders(argv) == (got["catalog"], got["site"])


@pytest.mark.parametrize("argv", [[], ["serve"], ["--help"], ["new", "paper", "x"], ["stats"]])
def test_other_commands_start_no_child(argv: list[str]):
    assert prefetch.folders(argv) is None
    prefetch.start(argv)
    assert prefetch._CHILD is None and prefetch.taken(Path("catalog"), Path("site")) is None


def test_the_child_sees_what_the_build_would_see(catalog: Path, tmp_path: Path):
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    prefetch.start(["build", "--catalog", str(catalog), "--out", str(site)])
    assert prefetch._CHILD is not None
    seen, now = prefetch.taken(catalog, site), prefetch.look(catalog, site)
    assert seen is not None and seen._intact is True  # the child checked the site's files too
    assert seen.listing == now.listing == freshness.listing(catalog) and len(seen.listing[0]) > 5
    assert seen.digest == now.digest and seen.manifest == now.manifest == freshness.recorded(site)
    assert seen.intact() == now.intact() is True
    assert prefetch.taken(catalog, site) is None  # once only


def test_what_the_child_lists_is_what_the_loader_would_list(catalog: Path):
    """The child lists the catalog as discover would (pipeline.py): the same records in the same
    order with the same signatures, and the same stray files reported."""
    (catalog / "papers" / "notes.txt").write_text("x")
    (catalog / "papers" / "a-paper.yml").write_text("x")
    (catalog / "papers" / ".hidden.yaml").write_text("x")
    (catalog / "datasets" / "sub").mkdir()
    (catalog / "extra").mkdir()
    (catalog / "metrics").rename(catalog / "metrics-folder")
    (catalog / "metrics").write_text("a file where a folder should be")
    prefetch.start(["validate", "-c", str(catalog)])
    seen = prefetch.taken(catalog, None)
    assert seen is not None
    records, strays, top, not_folders = seen.listing
    assert strays == [("papers", "a-paper.yml"), ("papers", "notes.txt"), ("datasets", "sub")]
    assert not_folders == ["metrics"] and "extra" in top and ".hidden.yaml" not in str(records)
    assert [rel for _, rel, _ in records] == sorted(rel for _, rel, _ in records if rel.startswith("papers/")) + sorted(
        rel for _, rel, _ in records if rel.startswith("datasets/")) + sorted(rel for _, rel, _ in records if rel.startswith("benchmarks/"))
    with_child = pipeline.validate(catalog, listing=seen.listing)[1]
    alone = pipeline.validate(catalog)[1]
    assert [str(issue) for issue in with_child.issues] == [str(issue) for issue in alone.issues]
    assert {issue.code for issue in alone.issues} >= {"unexpected-file"} and len(
        [i for i in alone.issues if i.code == "unexpected-file"]) == 6


def test_the_child_sees_a_site_damaged_by_hand(catalog: Path, tmp_path: Path):
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    (site / "index.html").unlink()
    prefetch.start(["build", "-c", str(catalog), "-o", str(site)])
    seen = prefetch.taken(catalog, site)
    assert seen is not None and seen.manifest and seen._intact is False


def test_the_validate_child_looks_at_the_catalog_only(catalog: Path):
    prefetch.start(["validate", "-c", str(catalog)])
    seen = prefetch.taken(catalog, None)
    assert seen is not None and seen.listing == freshness.listing(catalog)
    assert seen.site is None and seen.manifest == {} and seen.intact() is False


def test_a_missing_catalog_has_no_listing(tmp_path: Path):
    prefetch.start(["build", "-c", str(tmp_path / "none"), "-o", str(tmp_path / "site")])
    seen = prefetch.taken(tmp_path / "none", tmp_path / "site")
    assert seen is not None and seen.listing is None and seen.digest == "" and seen.manifest == {}


@pytest.mark.parametrize("asked", [("other", "site"), ("catalog", "other"), ("catalog", None)])
def test_what_a_child_saw_of_other_folders_is_not_used(catalog: Path, tmp_path: Path, asked):
    prefetch.start(["build", "-c", "catalog", "-o", "site"])  # relative to the working directory, tmp_path
    pid = prefetch._CHILD[0]
    catalog_asked, site_asked = asked
    assert prefetch.taken(tmp_path / catalog_asked, tmp_path / site_asked if site_asked else None) is None
    with pytest.raises(ChildProcessError):  # the child was waited for all the same
        os.waitpid(pid, 0)
    prefetch.start(["build", "-c", "catalog", "-o", "site"])
    assert prefetch.taken(tmp_path / "catalog", tmp_path / "site") is not None  # the same folders, written otherwise


def test_a_child_that_fails_is_not_used(catalog: Path, tmp_path: Path, monkeypatch):
    def broken(*args):
        raise PermissionError("cannot read the catalog")

    monkeypatch.setattr(prefetch, "look", broken)  # in the child, which is a copy of this process
    prefetch.start(["build", "-c", str(catalog), "-o", str(tmp_path / "site")])
    assert prefetch.taken(catalog, tmp_path / "site") is None


def test_a_pipe_that_fails_to_read_is_not_used_and_the_child_is_still_reaped(catalog: Path, tmp_path: Path,
                                                                            monkeypatch):
    prefetch.start(["build", "-c", str(catalog), "-o", str(tmp_path / "site")])
    pid, read = prefetch._CHILD[:2]

    def broken(*args):
        raise OSError("read failed")

    monkeypatch.setattr(prefetch.os, "read", broken)
    assert prefetch.taken(catalog, tmp_path / "site") is None
    with pytest.raises(ChildProcessError):  # waited for
        os.waitpid(pid, 0)
    with pytest.raises(OSError):  # and its pipe closed
        os.fstat(read)


def test_a_seen_site_is_trusted_only_when_it_is_up_to_date(catalog: Path, tmp_path: Path):
    """The build takes the child's verdict on the site: a site it saw damaged is built again."""
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    stamp = (site / "index.html").stat().st_mtime_ns
    seen = prefetch.look(catalog, site)
    assert pipeline.build(catalog, site, seen=seen).up_to_date
    damaged = prefetch.Seen(site, seen.listing, seen.digest, seen.manifest, _intact=False)
    report = pipeline.build(catalog, site, seen=damaged)
    assert report.ok and not report.up_to_date and (site / "index.html").stat().st_mtime_ns != stamp


def test_recover_says_whether_it_changed_the_site(catalog: Path, tmp_path: Path):
    site = tmp_path / "site"
    assert not render.recover(site)  # nothing to recover
    assert pipeline.build(catalog, site).ok
    assert not render.recover(site.resolve())
    stage = tmp_path / ".site.stage-999999999-x"
    write(stage / "late.html", "<p>late</p>")
    journal = tmp_path / ".site.journal-999999999"  # a killed update's journal (no such process)
    journal.write_text('{"stage": "%s", "moves": ["late.html"], "deletes": []}' % stage.name)
    assert render.recover(site.resolve()) and (site / "late.html").read_text() == "<p>late</p>"
    assert not journal.exists()


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "avi_atlas", *args], cwd=cwd, capture_output=True, text=True)


def test_updates_by_the_command_equal_clean_builds(synthetic: Path, tmp_path: Path):  # noqa: F811
    """The command line with its child: an update, a site damaged by hand, no change; each time
    the site is what a clean build writes."""
    site = tmp_path / "site"
    run = command("build", "-c", "catalog", "-o", "site", "--no-search", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    edit(synthetic / "papers/paper-5.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    run = command("build", "-c", "catalog", "-o", "site", "--no-search", cwd=tmp_path)
    rendered = re.search(r"built site/ \(([\d,]+) pages rendered\)", run.stderr)
    assert run.returncode == 0 and rendered and int(rendered[1]) < 20, run.stderr  # an update
    assert same_as_clean(synthetic, site, tmp_path)
    shutil.rmtree(site / "papers/paper-7")
    run = command("build", "-c", "catalog", "-o", "site", "--no-search", cwd=tmp_path)
    assert run.returncode == 0 and "pages rendered" in run.stderr and (site / "papers/paper-7/index.html").is_file()
    assert same_as_clean(synthetic, site, tmp_path)
    run = command("build", "-c", "catalog", "-o", "site", "--no-search", cwd=tmp_path)
    assert run.returncode == 0 and "is up to date" in run.stderr
    run = command("validate", "-c", "catalog", cwd=tmp_path)
    assert run.returncode == 0 and "no issues" in run.stderr


def test_a_build_looks_again_at_a_site_it_finished_for_a_killed_update(synthetic: Path, tmp_path: Path):  # noqa: F811
    """What was seen of the site before a killed update's journal was rolled forward is not used:
    the rolled-forward site is the whole new one, up to date."""
    from .killable import kill_when_parked
    from .test_incremental import KILLABLE_UPDATE

    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)
    edit(synthetic / "papers/paper-5.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    kill_when_parked(KILLABLE_UPDATE, synthetic, site, "committing", tmp_path / "parked", cwd=tmp_path)
    seen = prefetch.look(synthetic, site)  # as a child would have seen it: half moved in, the old manifest
    seen.intact()
    report = pipeline.build(synthetic, site, use_cache=True, seen=seen)
    assert report.ok and report.up_to_date  # finished by recover(), and then seen as it is
    assert same_as_clean(synthetic, site, tmp_path)
