"""links: the HTML helpers pages call, here a comparison table's row."""

from __future__ import annotations

from dataclasses import replace

from avi_atlas import links, pipeline, tables

from .conftest import FIXTURE_CATALOG
from .htmlutil import parse


def row_of(pid: str, **changes):
    cat, _ = pipeline.validate(FIXTURE_CATALOG)
    row = tables.comparison(cat, [pid])[0]
    return cat, replace(row, **changes)


def cells(html: str):
    [tr] = parse(f"<table><tbody>{html}</tbody></table>").find_all("tr")
    return tr, tr.find_all("td")


def test_a_row_links_its_paper_methods_datasets_and_best_benchmark_from_the_page():
    cat, row = row_of("sound-maker")
    tr, td = cells(links.comparison_row(row, cat, lambda target: "../../" + target))
    assert (tr.attrs["data-year"], tr.attrs["data-venue"], tr.attrs["data-methods"]) == ("2024", "CVPR", "diffusion")
    assert (tr.attrs["data-in"], tr.attrs["data-out"], tr.attrs["data-code"]) == ("video text", "audio", "1")
    hrefs = [a.attrs["href"] for a in tr.find_all("a")]
    assert hrefs == ["../../papers/sound-maker/", "../../methods/diffusion/", "../../datasets/clips-100/",
                     "https://example.org/sound-maker", "../../benchmarks/clips-v2a/"]
    assert td[-1].attrs["data-value"] == "0.5000" and td[-1].text.startswith("#1 of 2 on ")
    assert len(td) == 9


def test_a_row_escapes_every_text_and_shows_a_dash_for_what_is_missing():
    evil = '<script>alert("x")</script> & "quotes"'
    cat, row = row_of("clips-paper", name=evil, title=evil + " (title)", venue=evil, datasets=["no-such-set"],
                      methods=[], inputs=[], outputs=[], code=None, open_weights=False, year=None, headline=None)
    html = links.comparison_row(row, cat, lambda target: target)
    assert "<script>" not in html and "&lt;script&gt;" in html and 'data-venue="&lt;script&gt;' in html
    tr, td = cells(html)
    assert tr.attrs["data-year"] == "" and td[0].attrs["data-value"] == evil
    assert [c.text for c in td[1:]] == ["—", evil, "—", "—", "no-such-set", "—", "no", "—"]
