"""issues: one Issue, three output formats from the same data."""

from __future__ import annotations

import json

from avi_atlas.issues import Issue, Report, Severity


def sample() -> Report:
    r = Report()
    r.add(Issue("b.yaml", 3, 5, "unknown-task", "'x' is not a task id", field="tasks[0]", hint="did you mean y"))
    r.add(Issue("a.yaml", 10, 1, "arxiv-date-mismatch", "dates differ", Severity.WARNING, "date"))
    r.add(Issue("a.yaml", 2, 7, "wrong-type", "expected a number, got 'x, y: 50%'", field="year"))
    return r


def test_text_is_compiler_style_and_sorted():
    assert sample().format("text").splitlines() == [
        "a.yaml:2:7: error[wrong-type] year: expected a number, got 'x, y: 50%'",
        "a.yaml:10:1: warning[arxiv-date-mismatch] date: dates differ",
        "b.yaml:3:5: error[unknown-task] tasks[0]: 'x' is not a task id",
        "    hint: did you mean y",
    ]


def test_issue_without_position():
    assert Issue("catalog/paper", 0, 0, "unexpected-file", "stray").text() == "catalog/paper: error[unexpected-file] stray"


def test_json_has_every_field():
    data = json.loads(sample().format("json"))
    assert data["ok"] is False and data["errors"] == 2 and data["warnings"] == 1
    assert data["issues"][0] == {"file": "a.yaml", "line": 2, "col": 7, "code": "wrong-type",
                                 "message": "expected a number, got 'x, y: 50%'", "severity": "error",
                                 "field": "year", "hint": ""}


def test_github_annotations_escape_properties_and_data():
    lines = sample().format("github").splitlines()
    assert lines[0] == "::error file=a.yaml,line=2,col=7,title=wrong-type::year: expected a number, got 'x, y: 50%25'"
    assert lines[1].startswith("::warning file=a.yaml,line=10,col=1,title=arxiv-date-mismatch::")
    assert Issue("a,b:c.yaml", 1, 1, "yaml-tag", "m\nn").github() == "::error file=a%2Cb%3Ac.yaml,line=1,col=1,title=yaml-tag::m%0An"


def test_warnings_alone_are_ok():
    r = Report([Issue("a", 1, 1, "duplicate-entry", "twice", Severity.WARNING)])
    assert r.ok and r.summary() == "1 warning"
    assert Report().summary() == "no issues"


def test_same_issue_twice_is_reported_once():
    i = Issue("a", 1, 1, "yaml-tag", "m")
    assert len(Report([i, i]).sorted()) == 1
