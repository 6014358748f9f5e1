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


def test_template_calls_take_the_short_path_only_where_jinja_would_pass_nothing(tmp_path):
    """render._Context calls a plain function directly; a callable that asks for the context or
    environment, a macro, and a function raising StopIteration behave as in Jinja's own path."""
    import jinja2

    (tmp_path / "t.html").write_text(
        "{% macro m(x) %}<{{ x }}>{% endmacro %}"
        "{% for i in [1, 2] %}{{ plain(i) }} {{ bound(i) }} {{ ctx() }} {{ env_name() }} {{ m(i) }}"
        " {{ stop() is undefined }} {{ builtin([i, 3]) }}|{% endfor %}"
        "{% block b %}{{ plain('&') }}{{ ctx() }}{% endblock %}")

    class Box:
        def twice(self, i):
            return i * 2

    def stop():
        raise StopIteration

    context = dict(plain=lambda x: f"p{x}", bound=Box().twice, ctx=jinja2.pass_context(lambda c: c["who"]),
                   env_name=jinja2.pass_environment(lambda e: type(e).__name__), stop=stop, builtin=max, who="me")
    ours = render.environment(str(tmp_path))
    assert ours.context_class is render._Context
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True)
    expected = plain.get_template("t.html").render(**context)
    assert ours.get_template("t.html").render(**context) == expected
    assert "p1 2 me Environment <1> True 3|p2 4 me Environment <2> True 3|p&amp;me" == expected
