"""End to end: build the fixture catalog and assert on the parsed HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avi_atlas import pipeline, render

from .conftest import write
from .htmlutil import parse_file
from .sitecheck import broken_links, pages, resolve


@pytest.fixture
def site(catalog: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    report = pipeline.build(catalog, out)
    assert report.ok, report.format()
    return out


def test_every_record_and_node_has_its_page(site: Path):
    expected = {"index.html", "404.html", "search/index.html", "data/index.html"}
    for kind in ("tasks", "methods", "challenges", "papers", "datasets", "benchmarks", "metrics"):
        expected.add(f"{kind}/index.html")
    cat, _ = pipeline.validate(Path("catalog"))
    for tree in ("tasks", "methods", "challenges"):
        expected |= {f"{tree}/{i}/index.html" for i in cat.nodes[tree]}
    for kind in ("papers", "datasets", "benchmarks", "metrics"):
        expected |= {f"{kind}/{i}/index.html" for i in cat.records[kind]}
    assert set(pages(site)) == expected
    assert (site / "static/style.css").is_file() and (site / "static/favicon.svg").is_file()


def test_no_internal_link_is_broken(site: Path):
    assert broken_links(site) == []


def test_links_are_relative_so_a_sub_path_works(site: Path):
    for page, doc in pages(site).items():
        if page == "404.html":
            continue
        for el in doc.iter():
            href = el.attrs.get("href") or el.attrs.get("src") or ""
            assert not href.startswith("/"), f"{page}: {href}"


def test_home_links_every_pillar_and_shows_counts(site: Path):
    home = parse_file(site / "index.html")
    hrefs = [a.attrs["href"] for a in home.find_all("a")]
    for pillar in ("perception", "generation"):
        assert f"tasks/{pillar}/" in hrefs
    text = " ".join(home.text.split())
    assert "Video-to-Audio Generation 1 · 1 · 1" in text


def test_task_page_lists_its_papers_datasets_and_benchmarks(site: Path):
    doc = parse_file(site / "tasks/video-to-audio/index.html")
    assert doc.find("h1").text == "Video-to-Audio Generation"
    crumbs = [li.text for li in doc.find("nav", **{"aria-label": "Breadcrumb"}).find_all("li")]
    assert crumbs == ["Tasks", "Audio-Visual Generation", "Audio-Visual Cross-Modal Generation", "Video-to-Audio Generation"]
    table = doc.find("table", class_="papers")
    rows = table.find("tbody").find_all("tr")
    assert [r.find("a").text for r in rows] == ["SoundMaker"]
    assert rows[0].find("span", class_="subtitle").text == "SoundMaker: Fixture Audio for Silent Videos"
    assert rows[0].attrs["data-methods"] == "diffusion" and rows[0].attrs["data-in"] == "video text"
    links = {a.text: a.attrs["href"] for a in doc.find_all("a")}
    assert links["Clips-100"] == "../../datasets/clips-100/"
    assert links["Clips-100 test (video-to-audio)"] == "../../benchmarks/clips-v2a/"


def test_group_page_collects_papers_of_its_leaves(site: Path):
    doc = parse_file(site / "tasks/perception/index.html")
    titles = [r.find("a").text for r in doc.find("table", class_="papers").find("tbody").find_all("tr")]
    assert titles == ["SegNet-AV", "Clips-100"]


def test_paper_page(site: Path):
    doc = parse_file(site / "papers/sound-maker/index.html")
    assert doc.find("h1").text == "SoundMaker: Fixture Audio for Silent Videos"
    assert doc.find("p", class_="authors").text == "Ada Example, Relja Exampleović"
    assert doc.find("a", href="https://arxiv.org/abs/2403.00001") is not None
    assert "@inproceedings{sound-maker," in doc.find("pre", class_="bibtex").text
    summary = doc.find("div", class_="summary")
    assert summary.find("em").text == "fixture"
    assert summary.find("a").attrs["href"] == "https://example.org/p"
    results = doc.find("table").find("tbody").find_all("tr")
    assert "1 of 2" in results[0].text


def test_benchmark_leaderboard(site: Path):
    doc = parse_file(site / "benchmarks/clips-v2a/index.html")
    table = doc.find("table", class_="leaderboard")
    heads = [" ".join(th.text.split()) for th in table.find("thead").find_all("th")]
    assert heads[:5] == ["Rank", "Method", "Variant", "FAD ↓", "Accuracy (%) ↑"]
    rows = table.find("tbody").find_all("tr")
    cells = [[" ".join(td.text.split()) for td in r.find_all("td")] for r in rows]
    assert cells[0][:5] == ["1", "SoundMaker", "—", "1.50", "80.25"]
    assert cells[1][:5] == ["2", "Closed-Model", "—", "2.25", "—"]
    assert rows[0].find_all("td")[3].find("strong").text == "1.50"
    assert "zero-shot; vendor-reported" in cells[1][-1]
    # every row's source is one click away
    src0 = rows[0].find("td", class_="source").find("a").attrs["href"]
    assert resolve("benchmarks/clips-v2a/index.html", src0)[0] == "papers/sound-maker/index.html"
    assert rows[1].find("td", class_="source").find("a").attrs["href"] == "https://example.org/leaderboard"


def test_dataset_and_metric_pages(site: Path):
    ds = parse_file(site / "datasets/clips-100/index.html")
    facts = dict(zip([d.text for d in ds.find_all("dt")], [" ".join(d.text.split()) for d in ds.find_all("dd")]))
    assert facts["Clips"] == "100" and facts["Hours"] == "0.5" and facts["Splits"] == "test: 20; train: 80"
    assert facts["Introduced by"] == "Clips-100: A Fixture Dataset"
    m = parse_file(site / "metrics/fad/index.html")
    facts = dict(zip([d.text for d in m.find_all("dt")], [d.text for d in m.find_all("dd")]))
    assert facts["Direction"] == "↓ lower is better" and facts["Range"] == "0 to ∞"


def test_pages_declare_a_csp_and_load_nothing_from_elsewhere(site: Path):
    for page, doc in pages(site).items():
        csp = doc.find("meta", **{"http-equiv": "Content-Security-Policy"})
        assert csp is not None and "default-src 'self'" in csp.attrs["content"], page
        for el in doc.iter():
            if el.tag in ("script", "link", "img", "iframe"):
                src = el.attrs.get("src") or el.attrs.get("href") or ""
                assert not src.startswith(("http:", "https:", "//")), (page, src)


def test_two_builds_are_byte_identical(catalog: Path, tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    pipeline.build(catalog, a)
    pipeline.build(catalog, b)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_build_with_errors_writes_nothing(catalog: Path, tmp_path: Path):
    out = tmp_path / "site"
    write(catalog / "papers/bad.yaml", "title: [unclosed\n")
    report = pipeline.build(catalog, out)
    assert not report.ok and not out.exists()


def test_rebuild_replaces_the_old_site(site: Path, catalog: Path):
    (catalog / "papers/seg-net.yaml").unlink()
    assert pipeline.build(catalog, site).ok
    assert not (site / "papers/seg-net").exists() and (site / "papers/sound-maker/index.html").is_file()
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".site")] == []


def test_a_failed_write_leaves_the_previous_site_intact(site: Path, catalog: Path, monkeypatch):
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    paper = catalog / "papers/seg-net.yaml"  # an input changes, so the build really writes
    paper.write_text(paper.read_text().replace("Segmenting What Sounds", "Segmenting What Sings"))
    calls = {"n": 0}

    def failing(real):
        def write(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > 5:
                raise OSError(28, "No space left on device")
            return real(self, *args, **kwargs)
        return write

    monkeypatch.setattr(Path, "write_text", failing(Path.write_text))
    monkeypatch.setattr(Path, "write_bytes", failing(Path.write_bytes))
    monkeypatch.setattr(render._Writer, "write", failing(render._Writer.write))  # the pages
    with pytest.raises(OSError):
        pipeline.build(catalog, site)
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".site")] == []


def test_the_collector_is_paused_during_a_build_and_restored_after_it(catalog: Path, tmp_path: Path, monkeypatch):
    import gc

    seen = []
    real = render.plan
    monkeypatch.setattr(render, "plan", lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    assert gc.isenabled()
    assert pipeline.build(catalog, tmp_path / "site").ok
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(render, "plan", lambda *a, **k: 1 / 0)  # a failing build restores it too
    with pytest.raises(ZeroDivisionError):
        pipeline.build(catalog, tmp_path / "other")
    assert gc.isenabled()
    gc.disable()  # and a caller that had paused it keeps it paused
    try:
        pipeline.validate(catalog)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_refuses_to_replace_a_folder_it_did_not_build(catalog: Path, tmp_path: Path):
    precious = tmp_path / "precious"
    write(precious / "thesis.tex", "years of work")
    with pytest.raises(render.BuildError, match="refusing to replace"):
        pipeline.build(catalog, precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_files_are_world_readable_even_under_a_private_umask(catalog: Path, tmp_path: Path):
    old = os.umask(0o077)
    try:
        assert pipeline.build(catalog, tmp_path / "site").ok
    finally:
        os.umask(old)
    site = tmp_path / "site"
    for p in [site, *site.rglob("*")]:
        assert os.stat(p).st_mode & 0o004, p
        assert not p.is_dir() or os.stat(p).st_mode & 0o001, p


def test_templates_ship_inside_the_wheel(tmp_path: Path):
    import subprocess
    import sys
    import zipfile

    from .conftest import REPO

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("avi_atlas-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for template in ("base.html", "paper.html", "static/style.css"):
        assert f"avi_atlas/templates/{template}" in names


def test_edit_links_point_at_the_record_file(catalog: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert pipeline.build(catalog, out, repo_url="https://github.com/o/r/").ok
    doc = parse_file(out / "papers/sound-maker/index.html")
    link = next(a for a in doc.find_all("a") if a.text == "Edit this record")
    assert link.attrs["href"] == "https://github.com/o/r/edit/main/catalog/papers/sound-maker.yaml"


def test_unchanged_inputs_skip_the_build_and_any_change_rebuilds(catalog: Path, tmp_path: Path):
    out = tmp_path / "site"
    first = pipeline.build(catalog, out)
    assert first.ok and not first.up_to_date
    stamp = (out / "index.html").stat().st_mtime_ns
    again = pipeline.build(catalog, out)
    assert again.up_to_date and (out / "index.html").stat().st_mtime_ns == stamp
    # a changed record rebuilds
    paper = catalog / "papers/seg-net.yaml"
    paper.write_text(paper.read_text().replace("Segmenting What Sounds", "Segmenting What Sings"))
    changed = pipeline.build(catalog, out)
    assert not changed.up_to_date and "Segmenting What Sings" in (out / "papers/seg-net/index.html").read_text()
    # other options rebuild
    assert not pipeline.build(catalog, out, repo_url="https://github.com/o/r").up_to_date
    # a site damaged by hand is rebuilt, not trusted
    (out / "papers/seg-net/index.html").unlink()
    assert not pipeline.build(catalog, out, repo_url="https://github.com/o/r").up_to_date
    assert (out / "papers/seg-net/index.html").is_file()


def test_skipped_and_fresh_builds_are_byte_identical(catalog: Path, tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    pipeline.build(catalog, a)
    assert pipeline.build(catalog, a).up_to_date
    pipeline.build(catalog, b)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_heavy_pages_come_first_and_the_work_chunks_cover_every_page_once(catalog: Path, monkeypatch):
    from avi_atlas import render

    monkeypatch.setattr(render, "CHUNK", 5)
    cat, report = pipeline.validate(catalog)
    pages = render.plan(cat)
    classes = [render._cost_class(page) for page in pages]
    assert classes == sorted(classes) and classes[0] == 0 and classes[-1] == 2
    assert next(p for p in pages if p.template == "node.html") in pages[:classes.count(0)]
    assert pages[0].template == "papers_index.html"  # the costliest first
    spans = render.chunks(pages)
    assert [i for start, end in spans for i in range(start, end)] == list(range(len(pages)))
    assert all(end - start == 1 for start, end in spans[:classes.count(0)])  # a heavy page is a task of its own
    assert all(end - start <= 5 for start, end in spans)


def test_a_title_holding_the_mark_of_row_links_keeps_its_text_and_its_links(catalog: Path, tmp_path: Path):
    from avi_atlas import render

    path = catalog / "papers/seg-net.yaml"
    text = path.read_text()
    title = text.splitlines()[0].split(": ", 1)[1].strip('"')
    path.write_text(text.replace(title, title + " \\0root\\0 marked", 1))  # YAML escapes: NUL in the value
    site = tmp_path / "site"
    assert pipeline.build(catalog, site).ok
    shown = f"{title} \x00root\x00 marked"
    index = (site / "papers/index.html").read_text()
    assert 'href="../papers/seg-net/"' in index and shown in index
    assert render.ROOT_MARK not in index.replace(shown, "")
    node = next(p for p in (site / "tasks").glob("*/index.html") if "papers/seg-net/" in p.read_text())
    assert 'href="../../papers/seg-net/"' in node.read_text() and shown in node.read_text()

