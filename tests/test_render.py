"""render: the Markdown filter's plain-text path writes exactly what markdown-it writes."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from avi_atlas import render

from .conftest import REPO

# every character that means something to CommonMark, with words, digits, spaces and line breaks
ALPHABET = st.sampled_from(list("ab z09.)\"'\\`*_[]<>&!#>+=|~-:/\n\t\r\x00\x0b é—") + ["  ", "\n\n", "1. ", "- ", "    "])


def markdown_it(text: str) -> str:
    return render._markdown().render(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_any_text_renders_as_markdown_it_renders_it(text: str):
    assert str(render.markdown(text)) == (markdown_it(text) if text else "")


def test_every_summary_and_description_in_the_catalog_renders_as_markdown_it_renders_it():
    texts = []
    for path in sorted((REPO / "catalog").glob("*/*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [value for key, value in record.items() if isinstance(value, str) and key in
                  ("summary", "definition", "caveats", "protocol", "description")]
    assert len(texts) > 500
    assert [str(render.markdown(t)) for t in texts] == [markdown_it(t) for t in texts]


def test_plain_text_takes_the_short_path_and_markup_the_parser(monkeypatch):
    parsed = []
    monkeypatch.setattr(render, "_markdown", lambda: type("P", (), {"render": lambda self, t: parsed.append(t) or ""})())
    render.markdown('A "plain" summary of a paper.\nOn two lines.')
    assert parsed == []
    for text in ("Some *emphasis*.", "A [link](https://x.org).", "# Heading", "1. a list", "a\n\nb", "a  \nb"):
        render.markdown(text)
    assert len(parsed) == 6
