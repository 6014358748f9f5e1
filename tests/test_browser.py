"""What only a browser shows: sorting, filters kept in the URL, search, copy, leaderboard sources,
and that no request leaves the site's own origin."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect


def shown(page: Page):
    """The comparison table's rows a filter leaves shown."""
    return page.locator("#compare tbody tr:not([hidden])")


def names(page: Page) -> list[str]:
    return shown(page).locator("td:first-child a").all_inner_texts()


def test_sort_a_comparison_table(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url + "papers/")
    assert names(page) == ["SoundMaker", "SegNet-AV", "Clips-100"]  # newest first, as rendered
    page.get_by_role("button", name="Sort by Paper").click()
    assert names(page) == ["Clips-100", "SegNet-AV", "SoundMaker"]
    expect(page.locator("#compare th").first).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Sort by Paper").click()
    assert names(page) == ["SoundMaker", "SegNet-AV", "Clips-100"]
    page.get_by_role("button", name="Sort by Year").click()  # numbers: largest first
    assert names(page) == ["SoundMaker", "SegNet-AV", "Clips-100"]
    page.get_by_role("button", name="Sort by Year").click()
    assert names(page) == ["Clips-100", "SegNet-AV", "SoundMaker"]
    assert "sort=year" in page.url and "dir=ascending" in page.url


def test_filter_and_reload_keeps_the_filter(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url + "papers/")
    page.locator("select[name=venue]").select_option("CVPR")
    assert names(page) == ["SoundMaker"]
    assert "venue=CVPR" in page.url
    expect(page.locator("[data-count]")).to_have_text("Showing 1 of 3 papers.")
    page.reload()
    expect(shown(page)).to_have_count(1)  # (waits for the script: reading at once raced it)
    assert names(page) == ["SoundMaker"]
    expect(page.locator("select[name=venue]")).to_have_value("CVPR")
    page.get_by_role("button", name="Clear").click()
    expect(shown(page)).to_have_count(3)
    assert len(names(page)) == 3 and "venue=" not in page.url


def test_filters_combine_year_modality_and_code(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url + "papers/?from=2023&in=audio")
    assert names(page) == ["SegNet-AV"]
    page.goto(url + "papers/?code=1")
    assert names(page) == ["SoundMaker"]
    expect(page.get_by_label("has code")).to_be_checked()


def test_search_finds_a_paper_and_reaches_its_page(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url)
    page.get_by_role("searchbox", name="Search").fill("SegNet")
    page.get_by_role("searchbox", name="Search").press("Enter")
    result = page.locator("[data-search-results] li a").first
    expect(result).to_have_text("SegNet-AV: Segmenting What Sounds")
    expect(page.locator("[data-search-results] li .kind-tag").first).to_have_text("Paper · 2023")
    expect(page.locator("[data-search-results] li .result-tasks").first).to_have_text("Audio-Visual Segmentation")
    result.click()
    assert page.url.endswith("/papers/seg-net/")
    expect(page.locator("h1")).to_have_text("SegNet-AV: Segmenting What Sounds")


def test_copy_bibtex(page: Page, fixture_site):
    _, url = fixture_site
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(url + "papers/sound-maker/")
    page.get_by_role("button", name="Copy BibTeX").click()
    expect(page.locator(".copy-status")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@inproceedings{sound-maker,") and copied == page.locator("#bibtex").inner_text()


def test_follow_a_leaderboard_row_to_its_source(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url + "benchmarks/clips-v2a/")
    rows = page.locator("#leaderboard-table tbody tr")
    expect(rows.nth(1).locator("td.source a")).to_have_attribute("href", "https://example.org/leaderboard")
    rows.first.locator("td.source a").click()
    assert page.url.endswith("/papers/sound-maker/")


def test_leaderboard_sorts_by_a_metric(page: Page, fixture_site):
    _, url = fixture_site
    page.goto(url + "benchmarks/clips-v2a/")
    page.get_by_role("button", name="Sort by FAD").click()
    first = page.locator("#leaderboard-table tbody tr td:nth-child(2)").all_inner_texts()
    assert first == ["Closed-Model", "SoundMaker"]  # numbers sort largest first on the first click


@pytest.mark.parametrize("path", ["", "tasks/video-to-audio/", "papers/sound-maker/", "benchmarks/clips-v2a/",
                                  "datasets/clips-100/", "metrics/fad/", "search/?q=sound"])
def test_no_request_leaves_the_site(page: Page, fixture_site, path):
    _, url = fixture_site
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url + path)
    page.wait_for_load_state("networkidle")
    assert requests and all(r.startswith(url) for r in requests), [r for r in requests if not r.startswith(url)]


def test_pages_read_without_javascript(browser, fixture_site):
    _, url = fixture_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url + "papers/")
    assert page.locator("#compare tbody tr").count() == 3
    assert page.locator("form[data-filters]").is_hidden()  # filters appear only when they can work
    context.close()
