"""incremental: a rebuild renders only the pages whose facts changed, and its output is byte for byte
what a clean build of the same catalog writes, whatever changed."""

from __future__ import annotations

import os
import re
import sys
import time
from array import array
from pathlib import Path

import pytest

from avi_atlas import export, incremental, pipeline, render, tracking

from .conftest import REPO, write
from .killable import kill_when_parked

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def same_as_clean(catalog: Path, site: Path, tmp_path: Path) -> bool:
    """Whether ``site`` equals, byte for byte, a clean build of ``catalog``."""
    clean = tmp_path / "clean"
    assert pipeline.build(catalog, clean).ok
    return tree(site) == tree(clean)


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, f"{pattern!r} not in {path.name}"
    path.write_text(new, encoding="utf-8")


def results_paper(catalog: Path) -> str:
    """A paper named in a benchmark's results (so its facts show on other pages)."""
    text = (catalog / "benchmarks/benchmark-0.yaml").read_text()
    return re.search(r"paper: (paper-\d+)", text)[1]


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "catalog"
    generate(120, root)
    monkeypatch.chdir(tmp_path)
    return root


# Each step changes the catalog the way a contributor might; after each, the updated site must equal
# a clean build. ``few`` marks the steps that must not re-render the whole site.
STEPS = [
    ("a summary", True, lambda c: edit(c / "papers/paper-5.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")),
    ("a title shown in other papers' tables", False,
     lambda c: edit(c / f"papers/{results_paper(c)}.yaml", r'^title: "', 'title: "Renamed ')),
    ("a year (orders lists and related papers)", False, lambda c: edit(c / "papers/paper-7.yaml", r"^year: \d+", "year: 2026")),
    ("the tasks of a paper", False, lambda c: edit(c / "papers/paper-8.yaml", r"^tasks: \[[^\]]*\]", "tasks: [video-to-audio]")),
    ("a new paper", False, lambda c: write(c / "papers/zz-new.yaml",
                                           'title: "A New Paper"\nurl: https://example.org/new\nyear: 2020\n'
                                           "tasks: [video-to-audio]\ndatasets: [dataset-1]\n")),
    ("a paper removed", False, lambda c: (c / "papers/zz-new.yaml").unlink()),
    ("a dataset's name", False, lambda c: edit(c / "datasets/dataset-1.yaml", r"^name: ", "name: Renamed ")),
    ("the paper a dataset comes from (a back-link: 'Introduces')", False,
     lambda c: edit(c / "datasets/dataset-1.yaml", r"^paper: paper-1$", "paper: paper-2")),
    ("a result value", False, lambda c: edit(c / "benchmarks/benchmark-0.yaml", r"(metric-\d+: )(\d+)", r"\g<1>9\2")),
    ("a metric's direction", False, lambda c: edit(c / "metrics/metric-1.yaml", r"^higher_is_better: true", "higher_is_better: false")),
    ("a comment only", True, lambda c: edit(c / "papers/paper-9.yaml", r"^title:", "# a comment\ntitle:")),
    ("a file touched, not changed", True, lambda c: os.utime(c / "papers/paper-10.yaml", ns=(1, 10**18))),
    ("a taxonomy name", False, lambda c: edit(c / "taxonomy.yaml", r"name: ", "name: Renamed ")),
    ("a record added later than all others", False,
     lambda c: edit(c / "papers/paper-11.yaml", r"^added: .*", "added: 2026-12-31")),
]


@pytest.mark.parametrize("limit", [tracking.LIMIT, 3], ids=["wildcards-at-64", "wildcards-at-3"])
def test_every_update_equals_a_clean_build(synthetic: Path, tmp_path: Path, monkeypatch, limit: int):
    monkeypatch.setattr(tracking, "LIMIT", limit)
    site = tmp_path / "site"
    first = pipeline.build(synthetic, site, use_cache=True)
    assert first.ok and first.rendered > 250
    for i, (what, few, change) in enumerate(STEPS):
        change(synthetic)
        report = pipeline.build(synthetic, site, use_cache=True)
        assert report.ok, what
        clean = tmp_path / f"clean-{i}"
        assert pipeline.build(synthetic, clean).ok
        assert tree(site) == tree(clean), f"after {what}, the updated site differs from a clean build"
        if few:
            assert report.rendered < first.rendered / 4, f"{what}: {report.rendered} pages rendered"
    assert not list(tmp_path.glob(".site.*")), "no stage or journal is left behind"


def test_an_unchanged_catalog_renders_nothing_and_a_summary_one_page_and_the_data_files(synthetic: Path,
                                                                                       tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)
    assert pipeline.build(synthetic, site, use_cache=True).up_to_date
    in_feed = "papers/paper-3/" in (site / "feed.xml").read_text()
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    made = []  # fragments of the data files made again (the others are kept from the files on disk)
    real = export._json_entry
    monkeypatch.setattr(export, "_json_entry", lambda cat, kind, rid: made.append((kind, rid)) or real(cat, kind, rid))
    report = pipeline.build(synthetic, site, use_cache=True)
    # its own page, and the three files with a fragment per paper (catalog.json, papers.csv, catalog.bib)
    assert report.rendered == 4 + in_feed
    assert made == [("papers", "paper-3")]
    assert "Edited." in (site / "papers/paper-3/index.html").read_text()
    assert "Edited." in (site / "data/catalog.json").read_text()
    from avi_atlas.cache import journal_path

    assert journal_path(incremental.state_path(site)).is_file()  # the update's state: a journal of its changes
    in_feed = "papers/paper-4/" in (site / "feed.xml").read_text()
    edit(synthetic / "papers/paper-4.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    assert pipeline.build(synthetic, site, use_cache=True).rendered == 4 + in_feed  # the state read with its journal
    assert same_as_clean(synthetic, site, tmp_path)


def test_a_data_file_changed_on_disk_is_made_again_whole(synthetic: Path, tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)
    data = site / "data/catalog.json"
    stat = data.stat()
    text = data.read_text()
    time.sleep(0.02)  # a tick of even a coarse clock later: the change time is all that tells this edit
    data.write_text(text.replace('"paper-40"', '"paper-4X"'))  # same size, same time: the manifest cannot tell
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    made = []
    real = export._json_entry
    monkeypatch.setattr(export, "_json_entry", lambda cat, kind, rid: made.append((kind, rid)) or real(cat, kind, rid))
    assert pipeline.build(synthetic, site, use_cache=True).ok
    assert len(made) > 100  # every fragment made again: the copy on disk is not the one the build wrote
    assert same_as_clean(synthetic, site, tmp_path)


def test_state_from_another_build_means_a_full_build(synthetic: Path, tmp_path: Path):
    site = tmp_path / "site"
    first = pipeline.build(synthetic, site, use_cache=True)
    (site / "papers/paper-1/index.html").write_text("edited by hand")
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    report = pipeline.build(synthetic, site, use_cache=True)
    assert report.rendered == first.rendered  # a site edited by hand is not trusted: all pages again
    assert "edited by hand" not in (site / "papers/paper-1/index.html").read_text()


def test_search_index_is_updated_with_the_pages(synthetic: Path, tmp_path: Path):
    site = tmp_path / "site"
    pipeline.build(synthetic, site, search=True, use_cache=True)
    edit(synthetic / "papers/paper-4.yaml", r'^title: "', 'title: "Quokka ')
    report = pipeline.build(synthetic, site, search=True, use_cache=True)
    assert report.rendered < 100
    clean = tmp_path / "clean"
    pipeline.build(synthetic, clean, search=True)
    assert tree(site) == tree(clean)


# Parks an update at one point (see killable.py), so the test can SIGKILL it there.
KILLABLE_UPDATE = r"""
if point == "staging":  # pages being rendered into the stage
    def write(*args):
        park()
    render._Writer.write = write
elif point == "committing":  # the journal written, pages half moved in
    original_replace, moved, site = render.os.replace, [0], str(pathlib.Path(out).resolve()) + "/"
    def replace(src, dst):
        original_replace(src, dst)
        if str(dst).startswith(site):  # a page moved into the site (not the caches' or the journal's renames)
            moved[0] += 1
            if moved[0] == 2:
                park()
    render.os.replace = replace
pipeline.build(pathlib.Path(catalog), pathlib.Path(out), use_cache=True)
"""


@pytest.mark.parametrize("point, survivor", [("staging", "old"), ("committing", "new")])
def test_sigkill_mid_update_leaves_the_old_site_or_the_next_build_finishes_the_new(
        synthetic: Path, tmp_path: Path, point: str, survivor: str):
    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)
    old = tree(site)
    edit(synthetic / f"papers/{results_paper(synthetic)}.yaml", r'^title: "', 'title: "Renamed ')
    clean = tmp_path / "clean"
    pipeline.build(synthetic, clean)
    new = tree(clean)

    kill_when_parked(KILLABLE_UPDATE, synthetic, site, point, tmp_path / "parked", cwd=tmp_path)
    assert bool(list(tmp_path.glob(".site.journal-*"))) == (point == "committing")  # killed where meant
    if survivor == "old":
        assert tree(site) == old
    assert pipeline.build(synthetic, site, use_cache=True).ok
    assert tree(site) == new
    assert not list(tmp_path.glob(".site.*"))


def test_state_of_another_program_is_not_reused(synthetic: Path, tmp_path: Path):
    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)
    state = incremental.load(site)
    state.program = "an older avi-atlas"  # whose fingerprints may be laid out otherwise
    state.records = {key: (sig, b"?", added) for key, (sig, _, added) in state.records.items()}
    incremental.save(site, state)
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    report = pipeline.build(synthetic, site, use_cache=True)
    assert report.ok and report.rendered > 250  # a full build, and a state of this program again
    assert incremental.load(site).program != "an older avi-atlas"
    assert same_as_clean(synthetic, site, tmp_path)


def test_an_update_writes_a_small_table_and_a_missing_one_means_a_full_build(synthetic: Path, tmp_path: Path):
    site = tmp_path / "site"
    first = pipeline.build(synthetic, site, use_cache=True)
    path = incremental.state_path(site)
    before = {p.name: p.stat().st_mtime_ns for p in path.parent.glob(f"{path.stem}.t*.deps")}
    assert before
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    assert pipeline.build(synthetic, site, use_cache=True).rendered < 10
    after = {p.name: p.stat().st_mtime_ns for p in path.parent.glob(f"{path.stem}.t*.deps")}
    assert {k: after[k] for k in before} == before and len(after) == len(before) + 1  # the old ones untouched
    (path.parent / next(iter(before))).unlink()  # a damaged cache: the state cannot be trusted
    edit(synthetic / "papers/paper-3.yaml", r"Edited. ", "Edited twice. ")
    assert pipeline.build(synthetic, site, use_cache=True).rendered == first.rendered
    assert same_as_clean(synthetic, site, tmp_path)


def test_deps_survive_many_small_updates():
    state = incremental.State("b", "d")
    expected = {}
    for n in range(40):  # each update brings its own small table; they are merged now and then
        deps = {f"p{n}": frozenset({("f", "papers", f"x{n}", "title"), ("ids", "papers")})}
        interner = incremental.Interner()
        noted = {path: (0, interner.ids(d)) for path, d in deps.items()}
        incremental.record_deps(state, render.Rendered([interner.table()], noted, {}, {}))
        expected.update(deps)
    assert len(state.tables) <= 17
    assert {path: state.deps_of(path) for path in expected} == {path: set(d) for path, d in expected.items()}
    stale = incremental.stale(state, list(expected), incremental.expand(state, {("f", "papers", "x7", "title")}))
    assert stale == {"p7"}


def merge_case(order: str, packed: int) -> incremental.State:
    """A state whose tables are big ('B', five lines) or small ('s', two to four) in ``order``; each
    table has pages and a group, the groups of tables up to ``packed`` are packed and the others'
    loose, and a loose group stands for a packed one of the same dep with other deps."""
    tables, pages, groups = [], {}, incremental.Groups()
    for t, size in enumerate(order):
        n = 5 if size == "B" else 2 + t % 3
        deps = [("f", "papers", f"x{(t * 3 + i) % 7}", "title") for i in range(n)]  # tables share some lines
        tables.append(incremental.Table.of(deps))
        pages[f"page-{t}"] = (t, array("I", range(n)).tobytes())
        pages[f"page-{t}-last"] = (t, array("I", [n - 1]).tobytes())
        groups[("g", "row", f"r{t}", "")] = (t, array("I", [0, n - 1]).tobytes())
        if t == packed:
            groups.pack()
    groups[("g", "row", "r0", "")] = (len(order) - 1, array("I", [1]).tobytes())  # stands for the packed r0
    return incremental.State("b", "d", tables=tables, pages=pages, groups=groups,
                             table_files=[f"t{t}" for t in range(len(order))])


def deps_held(state: incremental.State) -> tuple[dict, dict]:
    def deps(table: int, raw: bytes) -> set[tuple]:
        return {state.tables[table][i] for i in array("I", raw)}
    return ({path: deps(*entry) for path, entry in state.pages.items()},
            {dep: deps(*entry) for dep, entry in state.groups.items()})


@pytest.mark.parametrize("order, packed, in_place", [
    ("BBssss", 2, True), ("ssss", 0, True),
    ("BsBss", 2, False),  # a big table after a small one
    ("BBsss", 3, False),  # a packed group names a small table after the first
    ("BB", 1, False)])  # no small table
def test_merging_small_tables_keeps_every_entrys_deps(order: str, packed: int, in_place: bool):
    state = merge_case(order, packed)
    before, was_packed, first_pages, tables = deps_held(state), state.groups.packed, dict(state.pages), list(state.tables)
    assert before[1][("g", "row", "r0", "")] == {state.tables[-1][1]}  # the loose entry stands for the packed one
    incremental._merge_small(state, big=5)
    assert deps_held(state) == before
    big = order.count("B")
    bigs = [tables[t] for t, size in enumerate(order) if size == "B"]
    assert len(state.tables) == big + 1 and all(a is b for a, b in zip(state.tables, bigs))  # then the merged one
    assert state.table_files == [f"t{t}" for t, size in enumerate(order) if size == "B"] + [None]
    # the entries of the big tables and of the first small one are left as they were, and the packed
    # groups are not packed again, unless a big table came after a small one
    untouched = {path for path, (t, _) in first_pages.items() if t <= big}
    assert (state.groups.packed is was_packed) == in_place
    assert all(state.pages[path] is first_pages[path] for path in untouched) == in_place


def test_stale_pages_by_their_deps_bytes_and_not_by_a_match_across_two_deps():
    from array import array

    table = [("f", "papers", f"x{i}", "title") for i in range(300)]
    raw = {  # ids 256 and 0 as bytes: 00 01 00 00 00 00 00 00, which holds id 1's bytes at offset 1
        "across": array("I", [256, 0]).tobytes(),
        "holds-1": array("I", [5, 1]).tobytes(),
        "holds-299": array("I", [299]).tobytes(),
        "other": array("I", [2, 3]).tobytes(),
    }
    state = incremental.State("b", "d", tables=[incremental.Table.of(table)], pages={path: (0, ids) for path, ids in raw.items()})
    paths = [*raw, "new-page"]
    assert incremental.stale(state, paths, incremental.expand(state, {table[1]})) == {"holds-1", "new-page"}
    assert incremental.stale(state, paths, incremental.expand(state, {table[299], ("ids", "papers")})) == {"holds-299", "new-page"}
    many = set(table[100:200]) | {table[1]}  # too many ids to search for their bytes: every array is read
    assert incremental.stale(state, paths, incremental.expand(state, many)) == {"holds-1", "new-page"}
    assert incremental.stale(state, paths, incremental.expand(state, set())) == {"new-page"}


def test_an_index_hit_in_one_table_hits_only_the_entries_of_that_table():
    from array import array

    big = incremental.Table.of([("f", "papers", f"x{i}", "title") for i in range(10)])
    small = incremental.Table.of([("f", "papers", "y", "title"), ("g", "row", "x3", "")])  # an update's
    ids = lambda *n: array("I", n).tobytes()  # noqa: E731
    pages = {"big-1": (0, ids(1)), "small-1": (1, ids(1)), "big-0": (0, ids(0, 5)), "small-0": (1, ids(0)),
             "row-of-x3": (0, ids(7))}
    groups = incremental.Groups({("g", "row", "x3", ""): (0, ids(3))})  # the row read x3's title; a page noted the row
    state = incremental.State("b", "d", tables=[big, small], pages=pages, groups=groups)
    paths = list(pages)
    assert incremental.stale(state, paths, incremental.expand(state, {("f", "papers", "x1", "title")})) == {"big-1"}
    assert incremental.stale(state, paths, incremental.expand(state, {("f", "papers", "y", "title")})) == {"small-0"}
    hit = incremental.expand(state, {("f", "papers", "x3", "title")})  # hits the row, which small's index 1 is
    assert ("g", "row", "x3", "") in hit.deps and hit.ids == [{3}, {1}]
    assert incremental.stale(state, paths, hit) == {"small-1"}
    state.pages["small-1"] = (1, ids(0))  # a page that moved to another table is looked for there only
    assert incremental.stale(state, paths, incremental.expand(state, {("f", "papers", "x1", "title")})) == {"big-1"}


ODD_DEPS = [
    ("f", "papers", None, "title"),  # a wildcard's None
    ("g", "related_pools", ("datasets", "d1"), ""),  # a group's key that is a tuple
    ("g", "row", "a\x1fb", ""),  # the separator inside a part
    ("g", "row", "two\nlines", ""),  # a line break inside a part
    ("\x1eg", "row", "x", ""),  # the fallback's mark at the start
    ("g", "row", "caf\u00e9", ""),  # not ASCII
    tracking.EVERYTHING,
]


def test_every_dep_is_one_line_of_ascii_and_reads_back_as_itself():
    plain = [("f", "papers", "p1", "title"), ("ids", "papers"), ("has", "datasets", "d1"), ("g", "row", "p1", "")]
    lines = [incremental.encode(dep) for dep in plain + ODD_DEPS]
    assert all(line.isascii() and "\n" not in line for line in lines)
    assert len(set(lines)) == len(lines)
    assert [incremental.decode(line) for line in lines] == plain + ODD_DEPS
    assert incremental.encode(plain[0]) == "f\x1fpapers\x1fp1\x1ftitle"  # the common case is not the fallback


def test_a_table_finds_whole_lines_only_by_search_and_by_dict():
    deps = [("f", "papers", "xp1", "title"), ("f", "papers", "p1", "title"), ("f", "papers", "p1", "title2"),
            *ODD_DEPS, *(("f", "papers", f"q{i}", "year") for i in range(40))]
    table = incremental.Table.of(deps)
    assert len(table) == len(deps) and list(table) == deps and table[1] == deps[1]
    needles = [incremental.encode(dep).encode() for dep in deps]
    for n, needle in enumerate(needles):  # one at a time: searched for in the text
        assert table.find([needle]) == {n}
    assert table.find(needles) == set(range(len(deps)))  # many at once: through a dict of the lines
    absent = [incremental.encode(dep).encode() for dep in [("f", "papers", "p1", "titl"), ("papers", "p1", "title"),
                                                            ("f", "papers", "1", "title"), ("*", "x")]]
    assert table.find(absent) == set() and table.find(absent * 5) == set()
    assert incremental.Table.of([]).find(needles[:1]) == set() and len(incremental.Table.of([])) == 0


def test_a_table_joined_from_a_workers_chunks_is_its_whole_table():
    interner = incremental.Interner()
    interner.ids(frozenset({("f", "papers", "p1", "title"), tracking.EVERYTHING, ("ids", "papers")}))
    first, chunk = interner.table(), interner.new()
    later = interner.ids(frozenset({("has", "papers", "p2"), ("ids", "papers")}))
    table = incremental.Table.joined([chunk, interner.new(), interner.new()])  # as the parent joins them
    assert list(table) == list(interner.table()) and len(first) == 3 and len(table) == 4
    assert {table[i] for i in array("I", later)} == {("has", "papers", "p2"), ("ids", "papers")}
    assert table.find([incremental.encode(dep).encode() for dep in table]) == {0, 1, 2, 3}


def test_everything_is_found_first_in_an_interners_table_and_anywhere_in_another():
    """Every change hits EVERYTHING; an Interner's table holds it as its first line, where find takes
    it without searching, and any other table is searched for it as for any dep."""
    star = incremental.encode(tracking.EVERYTHING).encode()
    title = ("f", "papers", "p1", "title")
    interner = incremental.Interner()
    interner.ids(frozenset({title}))
    assert interner.table().find([star, incremental.encode(title).encode()]) == {0, 1}
    assert incremental.Table.joined([interner.new()]).find([star]) == {0}
    assert incremental.Table.of([title, tracking.EVERYTHING]).find([star]) == {1}  # e.g. a merged table
    assert incremental.Table.of([title]).find([star]) == set()


def test_the_state_is_saved_into_a_cache_folder_not_made_yet(tmp_path: Path, monkeypatch):
    """The state's table files are the first it writes: they make the cache folder if need be."""
    monkeypatch.setenv("AVI_ATLAS_CACHE_DIR", str(tmp_path / "new" / "cache"))
    interner = incremental.Interner()
    page = ("f", "papers", "p1", "title")
    ids = interner.ids(frozenset({page}))
    state = incremental.State("b", "d", tables=[interner.table()], pages={"p": (0, ids)}, table_files=[None])
    incremental.save(tmp_path / "site", state)
    back = incremental.load(tmp_path / "site")
    assert back is not None and back.deps_of("p") == {page}


@pytest.mark.parametrize("n", [0, 1, 3, 700])
def test_a_table_file_maps_back_to_the_same_table(tmp_path: Path, n: int):
    deps = [tracking.EVERYTHING, *(("f", "papers", f"p{i}", "title") for i in range(n - 1))][:n]
    deps += [("g", "rows", ("a", None), "")] if n > 2 else []  # a dep encoded by ascii()
    table = incremental.Table.of(deps)
    incremental.write_table(tmp_path / "t.deps", table)
    back = incremental.mapped(tmp_path / "t.deps")
    assert back is not None and not isinstance(back.text, bytes)  # mapped, not read
    assert len(back) == len(table) == len(deps) and list(back) == deps and back.lines() == table.lines()
    needles = [incremental.encode(dep).encode() for dep in deps] + [b"f\x1fpapers\x1fnone\x1ftitle"]
    assert back.find(needles[:3] + needles[-1:]) == table.find(needles[:3] + needles[-1:]) == set(range(min(n, 3)))
    assert back.find(needles) == set(range(len(deps)))  # many at once: a dict of its lines
    assert all(back[i] == dep for i, dep in enumerate(deps))


def test_a_table_file_is_read_where_it_cannot_be_mapped(tmp_path: Path, monkeypatch):
    import mmap

    deps = [tracking.EVERYTHING, ("f", "papers", "p1", "title")]
    incremental.write_table(tmp_path / "t.deps", incremental.Table.of(deps))

    def refuse(*args, **kwargs):
        raise OSError("this file system cannot map files")

    monkeypatch.setattr(mmap, "mmap", refuse)
    back = incremental.mapped(tmp_path / "t.deps")
    assert back is not None and isinstance(back.text, bytes) and list(back) == deps
    assert back.find([incremental.encode(deps[1]).encode()]) == {1}


@pytest.mark.parametrize("damage", ["another format", "empty", "starts cut", "text cut", "first line cut", "starts wrong",
                                    "not ascii"])
def test_a_damaged_table_file_means_a_full_build(synthetic: Path, tmp_path: Path, damage: str):
    site = tmp_path / "site"
    first = pipeline.build(synthetic, site, use_cache=True)
    path = incremental.state_path(site)
    name = max(path.parent.glob(f"{path.stem}.t*.deps"), key=lambda p: p.stat().st_size)
    whole = name.read_bytes()
    table = incremental.mapped(name)
    assert table is not None and incremental.load(site) is not None and 100 < len(table) < incremental.BIG
    end, trailer = table.end, whole[-32:]
    text, starts = whole[:end], whole[end + -end % 4:-32]
    damaged = {"another format": whole[:-32] + b"avi-atlas deps 2" + trailer[16:], "empty": b"",
               "starts cut": whole[:-36] + trailer,
               "text cut": text[:-1] + b"\0" * (-(end - 1) % 4) + starts + trailer[:16] + trailer[16:24]
               + (end - 1).to_bytes(8, "little"),
               "first line cut": b"x" + whole[1:],
               "starts wrong": text + whole[end:end + -end % 4] + starts[:-4] + (end + 1).to_bytes(4, "little") + trailer,
               "not ascii": text[:-2] + b"\xe9\n" + whole[end:]}[damage]
    name.write_bytes(damaged)
    assert incremental.mapped(name) is None and incremental.load(site) is None
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    assert pipeline.build(synthetic, site, use_cache=True).rendered == first.rendered
    assert same_as_clean(synthetic, site, tmp_path)


def test_a_planted_state_file_is_never_executed(synthetic: Path, tmp_path: Path):
    import pickle

    site = tmp_path / "site"
    pipeline.build(synthetic, site, use_cache=True)

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    incremental.state_path(site).write_bytes(pickle.dumps({"format": incremental.FORMAT, "build": Boom()}))
    edit(synthetic / "papers/paper-3.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    report = pipeline.build(synthetic, site, use_cache=True)
    assert report.ok and report.rendered > 250  # no state it can trust: a full build
    assert not (tmp_path / "pwned").exists()
    from avi_atlas.cache import journal_path, read_plain  # nor a journal planted beside a genuine state

    token = read_plain(incremental.state_path(site))["token"]
    journal_path(incremental.state_path(site)).write_bytes(pickle.dumps(
        {"token": token, "set": {}, "drop": {}, "whole": {"build": Boom()}}))
    edit(synthetic / "papers/paper-4.yaml", r"^summary: >-\n  ", "summary: >-\n  Edited. ")
    report = pipeline.build(synthetic, site, use_cache=True)
    assert report.ok and not (tmp_path / "pwned").exists()  # the journal is refused, the main file still holds
    assert same_as_clean(synthetic, site, tmp_path)


def test_a_change_hits_the_groups_that_read_it_nested_ones_too_and_the_pages_noting_them():
    interner = incremental.Interner()
    title = ("f", "papers", "p1", "title")
    rows, pool, board = ("g", "rows", "p1", ""), ("g", "pool", "t", ""), ("g", "board", "b", "")
    state = incremental.State("b", "d")
    state.groups = incremental.Groups({rows: (0, interner.ids(frozenset({title}))),
                                       pool: (0, interner.ids(frozenset({rows, ("ids", "papers")}))),  # read the row
                                       board: (0, interner.ids(frozenset({("f", "papers", "p2", "year")})))})
    state.pages = {"task": (0, interner.ids(frozenset({pool}))),
                   "index": (0, interner.ids(frozenset({("g", "rows", None, "")}))),  # many rows, folded
                   "bench": (0, interner.ids(frozenset({board}))),
                   "own": (0, interner.ids(frozenset({("f", "papers", "p1", "*")})))}
    state.tables = [interner.table()]
    hit = incremental.expand(state, tracking.matches({title}))
    assert {rows, pool, ("g", "rows", None, "")} <= hit.deps and board not in hit.deps
    assert incremental.stale(state, list(state.pages) + ["new"], hit) == {"task", "index", "own", "new"}
    assert incremental.stale(state, list(state.pages), incremental.expand(state, tracking.matches(
        {("f", "papers", "p3", "year")}))) == set()


def test_packed_groups_are_found_as_loose_ones_and_a_loose_entry_stands_for_a_packed_one():
    """Groups as a state file holds them (packed per table) are found by the same indices as loose
    ones, by search and (many indices) entry by entry; a group set again since (loose) stands for
    its packed entry, whose old deps no longer hit it; packing keeps what every group holds."""
    from array import array

    ids = lambda *n: array("I", n).tobytes()  # noqa: E731
    a, b, c = ("g", "row", "a", ""), ("g", "pool", ("tasks", "t"), ""), ("g", "row", "c", "")
    groups = incremental.Groups({a: (0, ids(1, 2)), b: (0, ids(2, 3)), c: (1, ids(1))})
    every = dict(groups.items())
    groups.pack()
    assert not groups.loose and dict(groups.items()) == every
    assert groups.holding([{1}, set()]) == {a} and groups.holding([{2}, {1}]) == {a, b, c}
    assert groups.holding([set(range(100)), set()]) == {a, b}  # above Noted.MANY: entry by entry
    assert groups.holding([{5}, {3}]) == set()
    groups[a] = (1, ids(3))  # a set again, in another table: its packed deps hit it no more
    assert groups.holding([{1}, set()]) == set() and groups.holding([set(), {3}]) == {a}
    assert dict(groups.items()) == {**every, a: (1, ids(3))}
    assert incremental._packed(groups.packed, 2) is groups.packed
    keys, raws, ends, line_ends = groups.packed[0]
    damaged = [{0: groups.packed[0][:3]}, {5: groups.packed[0]},  # a part missing; a table that is not there
               {0: (keys + b"\nextra", raws, ends, line_ends)},  # a key too many
               {0: (keys, raws[:-4], ends, line_ends)},  # bytes cut
               {0: (keys, raws, ends, line_ends[:-4])},  # a line's end missing
               {0: (keys, raws, ends, line_ends[:-4] + array("I", [len(keys)]).tobytes())}]  # the last line's end moved
    assert all(incremental._packed(bad, 2) is None for bad in damaged)
    # a line is cut out of the text by its end, and only once the text shows it is that line
    assert [groups._line(0, n) for n in range(2)] == keys.decode().split("\n")
    groups.packed[0] = (keys, raws, ends, array("I", [len(keys) + 1, len(keys) + 1]).tobytes())
    groups._stops.clear()
    assert groups._line(0, 1) == keys.decode().split("\n")[1] and groups.holding([{2}, set()]) == {b}


def test_a_journal_notes_exactly_the_entries_replaced_added_and_dropped():
    """cache._delta: values compared by identity (an equal value made again counts as set), keys in
    the same order compared in C, any other change of keys entry by entry."""
    from avi_atlas import cache

    old = {f"k{i}": (i, f"v{i}") for i in range(50)}
    same = dict(old)
    assert cache._delta(same, old) == ({}, [])
    same["k7"], same["k9"] = (7, "v7"), (9, "changed")  # made again, equal; and another value
    assert cache._delta(same, old) == ({"k7": (7, "v7"), "k9": (9, "changed")}, [])
    grown = {**old, "k50": (50, "v50")}
    assert cache._delta(grown, old) == ({"k50": (50, "v50")}, [])
    shrunk = {key: value for key, value in old.items() if key != "k3"}
    assert cache._delta(shrunk, old) == ({}, ["k3"])
    moved = dict(reversed(old.items()))  # the same entries in another order: nothing to note
    assert cache._delta(moved, old) == ({}, [])
    swapped = {("k1" if key == "k0" else "k0" if key == "k1" else key): value for key, value in old.items()}
    assert cache._delta(swapped, old) == ({"k1": old["k0"], "k0": old["k1"]}, [])  # keys in place, values swapped


def test_a_journal_holds_a_whole_value_only_when_it_is_not_the_main_file_s(tmp_path: Path):
    from avi_atlas import cache

    path, packed = tmp_path / "store.pickle", b"x" * 1000
    entries = {f"k{i}": i for i in range(100)}  # one change in 100: a journal
    base = cache.write_journaled(path, {"entries": entries, "packed": packed, "name": "a"}, {}, ("entries",))
    data, base = cache.read_journaled(path, ("entries",))
    data["entries"]["k1"] = -1
    cache.write_journaled(path, data, base, ("entries",))
    assert cache.read_plain(cache.journal_path(path))["whole"] == {}  # the main file's own values
    data["name"] = "b"
    cache.write_journaled(path, data, base, ("entries",))
    assert cache.read_plain(cache.journal_path(path))["whole"] == {"name": "b"}
    assert cache.read_journaled(path, ("entries",))[0] == {"entries": {**entries, "k1": -1}, "packed": packed,
                                                         "name": "b", "token": base["token"]}
