"""escaping: the fast paths give exactly markupsafe's output, and templates use them."""

from __future__ import annotations

import markupsafe
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from avi_atlas import escaping, render

# every character markupsafe escapes, with neighbours it leaves alone and entities already written
ALPHABET = st.sampled_from(list("&<>\"'a z0;#é—\x00\n") + ["&amp;", "&#39;", "&lt;"])


class Html:
    def __html__(self) -> str:
        return "<b>already safe</b>"


@settings(max_examples=2000, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_any_text_escapes_as_markupsafe_escapes_it(value: str):
    expected = markupsafe.escape(value)
    assert escaping.text(value) == expected and type(escaping.text(value)) is str
    assert escaping.markup(value) == expected and type(escaping.markup(value)) is Markup
    assert escaping._replaced(value) == expected  # the path without markupsafe's C escaper


def test_other_values_escape_as_markupsafe_escapes_them():
    safe = Markup("<i>x</i>")
    assert escaping.markup(safe) is safe and escaping.text(safe) == "<i>x</i>"
    for value in (Html(), 2024, 1.5, None, ["<a>"], Markup("a&amp;b")):
        assert escaping.markup(value) == markupsafe.escape(value)
        assert type(escaping.markup(value)) is Markup
        assert escaping.text(value) == str(markupsafe.escape(value))
    assert escaping.safe("<p>") == Markup("<p>") and type(escaping.safe("<p>")) is Markup


def test_templates_escape_through_the_fast_path(tmp_path):
    """Every way a template is made (a loader, a string, the kept compiled code) takes ours, for
    its body, blocks and macros alike; what is written does not change."""
    (tmp_path / "base.html").write_text("<{{ x }}>{% block b %}{% endblock %}")
    (tmp_path / "t.html").write_text('{% extends "base.html" %}{% macro m(v) %}[{{ v }}]{% endmacro %}'
                                     "{% block b %}{{ m(x) }}{{ y }}{{ z }}{% endblock %}")
    env = render.environment(str(tmp_path))
    assert env.template_class is render._Template
    for template in (env.get_template("t.html"), env.from_string("{{ x }}")):
        assert template.root_render_func.__globals__["escape"] is escaping.markup
    out = env.get_template("t.html").render(x="a<b", y=Markup("<br>"), z=7)
    assert out == "<a&lt;b>[a&lt;b]<br>7"
    called = []
    real = escaping.markup
    try:  # the fast path is what runs
        env.get_template("t.html").root_render_func.__globals__["escape"] = lambda v: called.append(v) or real(v)
        env.get_template("t.html").render(x="q", y="r", z=1)
    finally:
        env.get_template("t.html").root_render_func.__globals__["escape"] = real
    # the child's block: the macro's {{ v }}, the macro's output, y and z (the base's {{ x }} is
    # in the base's own namespace)
    assert called == ["q", Markup("[q]"), "r", 1]


def test_the_programs_templates_escape_through_the_fast_path():
    env = render.environment(str(render.templates_dir()))
    for name in ("base.html", "paper.html", "_compare.html"):
        assert env.get_template(name).root_render_func.__globals__["escape"] is escaping.markup
