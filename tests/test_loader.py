"""loader: YAML → data with positions; every malformed file becomes one clear issue."""

from __future__ import annotations

import time

import pytest

from avi_atlas.loader import MAX_DEPTH, MAX_FILE_BYTES, load_bytes, load_text


def issues_of(text: str | bytes) -> list[str]:
    doc, issues = load_bytes(text if isinstance(text, bytes) else text.encode(), "f.yaml")
    assert doc is None, "a bad file must not produce a document"
    return [f"{i.line}:{i.col} {i.code}" for i in issues]


def test_positions_of_keys_and_values():
    doc, issues = load_text("title: A\ntasks:\n  - one\n  - two\nresults:\n  - values: {fad: 1.5}\n", "f.yaml")
    assert not issues
    assert doc.where(("title",)) == (1, 8)
    assert doc.where(("tasks", 1)) == (4, 5)
    assert doc.where(("results", 0, "values", "fad")) == (6, 19)
    assert doc.where(("tasks",), key=True) == (2, 1)


def test_where_falls_back_to_nearest_ancestor():
    doc, _ = load_text("a:\n  b: 1\n", "f.yaml")
    assert doc.where(("a", "missing", 3)) == (2, 3)
    assert doc.where(("nothing",)) == (1, 1)


def test_scalars_are_typed_like_yaml_but_year_month_stays_text():
    doc, _ = load_text("n: 3\nf: 1.5\nb: true\nz: null\nym: 2024-12\nd: 2026-11-26\ns: '007'\n", "f.yaml")
    import datetime

    assert doc.data == {"n": 3, "f": 1.5, "b": True, "z": None, "ym": "2024-12",
                        "d": datetime.date(2026, 11, 26), "s": "007"}


@pytest.mark.parametrize("text, expected", [
    ("a: 1\nb: 2\na: 3\n", ["3:1 duplicate-key"]),
    ("a: 1\na: 2\nb: 1\nb: 2\n", ["2:1 duplicate-key", "4:1 duplicate-key"]),
    ("x:\n  k: 1\n  k: 2\n", ["3:3 duplicate-key"]),
    ("a: &x [1, 2]\nb: *x\n", ["2:1 yaml-alias"]),
    ("a: !!python/object:os.system ls\n", ["1:4 yaml-tag"]),
    ("a: !custom 1\n", ["1:4 yaml-tag"]),
    ("a: !!binary aGVsbG8=\n", ["1:4 yaml-tag"]),
    ("<<: {a: 1}\n", ["1:1 invalid-key"]),
    ("? [a, b]\n: 1\n", ["1:3 invalid-key"]),
    ("a:\n\tb: 1\n", ["2:1 yaml-syntax"]),
    ("a: b: c\n", ["1:5 yaml-syntax"]),
    ("a: [1, 2\n", ["2:1 yaml-syntax"]),
    ('a: "unterminated\n', ["2:1 yaml-syntax"]),
    ("a: 1\n---\nb: 2\n", ["2:1 yaml-syntax"]),
    ("- a\n- b\n", ["1:1 not-a-mapping"]),
    ("just text\n", ["1:1 not-a-mapping"]),
    ("", ["1:1 empty-file"]),
    ("  \n\n", ["1:1 empty-file"]),
    ("# only a comment\n", ["1:1 empty-file"]),
    (b"\xef\xbb\xbftitle: x\n", ["1:1 byte-order-mark"]),
    (b"title: caf\xe9\n", ["1:11 not-utf8"]),
    (b"a: 1\nb: \x00\n", ["2:4 not-utf8"]),
])
def test_bad_files(text, expected):
    assert issues_of(text) == expected


def test_tab_error_says_so():
    _, issues = load_text("a:\n\tb: 1\n", "f.yaml")
    assert "tab" in issues[0].message and "spaces" in issues[0].hint


def test_syntax_error_message_is_plain_words():
    _, issues = load_text("title: A: B\n", "f.yaml")
    assert issues[0].text().startswith("f.yaml:1:9: error[yaml-syntax] YAML syntax error: mapping values")
    assert "quote" in issues[0].hint


def test_too_large_file_is_refused_before_parsing():
    _, issues = load_bytes(b"a: " + b"x" * (MAX_FILE_BYTES + 1), "big.yaml")
    assert [i.code for i in issues] == ["file-too-large"]


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused(style):
    depth = MAX_DEPTH + 5
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    assert [c.split()[1] for c in issues_of(text)] == ["yaml-too-deep"]


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    codes = issues_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2.0
    assert [c.split()[1] for c in codes] == ["yaml-alias"]
