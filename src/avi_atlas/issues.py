"""Issues found in a catalog, and the report that prints them.

An :class:`Issue` is one problem at one place (``file:line:col``) with a stable
short ``code``.  A :class:`Report` collects every issue of a run and prints them
as compiler-style text, as JSON, or as GitHub Actions annotations; all three
come from the same data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Iterable


#: Every code the program can emit. Codes are part of the interface (scripts and CI
#: rely on them); each is documented in the README, which a test keeps in sync.
CODES = frozenset("""
    yaml-syntax duplicate-key yaml-tag yaml-alias yaml-too-deep invalid-key empty-file not-a-mapping
    not-utf8 byte-order-mark file-too-large unreadable-file unexpected-file missing-taxonomy invalid-id
    missing-field unknown-field wrong-type invalid-value invalid-format unsafe-url empty-value too-short
    too-long out-of-range missing-identifier no-task-or-method invalid-source invalid-result invalid-range
    unknown-task unknown-method unknown-challenge not-a-leaf unknown-paper unknown-dataset unknown-metric
    unknown-source undeclared-metric value-out-of-range duplicate-arxiv duplicate-doi duplicate-title
    duplicate-id unknown-parent invalid-parent taxonomy-cycle future-year date-after-year
    arxiv-date-mismatch duplicate-entry duplicate-result venue-style raw-html markdown-image id-field
""".split())


class BuildError(Exception):
    """The site cannot be written (bad output folder, template error, I/O error)."""


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Issue:
    """One problem at one place. ``line`` and ``col`` are 1-based; 0 means unknown."""

    file: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = Severity.ERROR
    field: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error, caught by the test suite
            raise ValueError(f"undocumented issue code {self.code!r}")

    def text(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        subject = f"{self.field}: " if self.field else ""
        out = f"{where}: {self.severity.value}[{self.code}] {subject}{self.message}"
        if self.hint:
            out += f"\n    hint: {self.hint}"
        return out

    def github(self) -> str:
        props = [f"file={_gh_prop(self.file)}"]
        if self.line:
            props += [f"line={self.line}", f"col={self.col or 1}"]
        props.append(f"title={_gh_prop(self.code)}")
        subject = f"{self.field}: " if self.field else ""
        message = f"{subject}{self.message}"
        if self.hint:
            message += f" (hint: {self.hint})"
        return f"::{self.severity.value} {','.join(props)}::{_gh_data(message)}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


@dataclass
class Report:
    """Every issue of one run, kept in a stable order (file, line, column, code)."""

    issues: list[Issue] = field(default_factory=list)
    up_to_date: bool = False  # set by build() when the site was already built from these inputs
    rendered: int = 0  # pages build() rendered (all of them, or only the stale ones of an update)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def sorted(self) -> list[Issue]:
        return sorted(set(self.issues))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.sorted() if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.sorted() if i.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        if not e and not w:
            return "no issues"
        parts = []
        if e:
            parts.append(f"{e} error{'s' if e != 1 else ''}")
        if w:
            parts.append(f"{w} warning{'s' if w != 1 else ''}")
        return ", ".join(parts)

    def format(self, fmt: str = "text") -> str:
        issues = self.sorted()
        if fmt == "json":
            return json.dumps(
                {
                    "ok": self.ok,
                    "errors": len(self.errors),
                    "warnings": len(self.warnings),
                    "issues": [i.as_dict() for i in issues],
                },
                indent=2,
                ensure_ascii=False,
            )
        if fmt == "github":
            return "\n".join(i.github() for i in issues)
        return "\n".join(i.text() for i in issues)
