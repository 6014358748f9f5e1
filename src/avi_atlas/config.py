"""Project settings from ``avi-atlas.toml``: rule severities (error, warning, off).

Only cross-record rules can be re-graded. Problems that stop a record from
being read at all (YAML and schema errors) are always errors: a build that
skipped such a record would silently lose it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .check import did_you_mean
from .issues import CODES, Report, Severity

CONFIG_FILE = "avi-atlas.toml"

#: codes raised while reading files and checking them against the models
STRUCTURAL = frozenset("""
    yaml-syntax duplicate-key yaml-tag yaml-alias yaml-too-deep invalid-key empty-file not-a-mapping not-utf8
    byte-order-mark file-too-large unreadable-file unexpected-file missing-taxonomy invalid-id missing-field
    unknown-field wrong-type invalid-value invalid-format unsafe-url empty-value too-short too-long out-of-range
    missing-identifier no-task-or-method invalid-source invalid-result invalid-range
""".split())
CONFIGURABLE = CODES - STRUCTURAL
LEVELS = {"error", "warning", "off"}


class ConfigError(Exception):
    """The config file is wrong (reported as a usage error)."""


@dataclass
class Config:
    severities: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


def load(path: Path | None = None) -> Config:
    """Read ``path``, or ``avi-atlas.toml`` in the working directory when it exists; else defaults."""
    if path is None:
        path = Path(CONFIG_FILE)
        if not path.is_file():
            return Config()
    elif not path.is_file():
        raise ConfigError(f"config file '{path}' does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    unknown = set(data) - {"rules"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; the file has only [rules]")
    rules = data.get("rules", {})
    for code, level in rules.items():
        if code in STRUCTURAL:
            raise ConfigError(f"{path}: '{code}' cannot be re-graded: a record with it cannot be read")
        if code not in CODES:
            raise ConfigError(f"{path}: '{code}' is not an issue code{did_you_mean(code, sorted(CONFIGURABLE))}")
        if level not in LEVELS:
            raise ConfigError(f"{path}: {code} = '{level}': use one of error, warning, off")
    return Config(dict(rules), path)


def apply(report: Report, config: Config, strict: bool = False) -> Report:
    """The report with configured severities, 'off' issues dropped, and warnings as errors under --strict."""
    out = Report(up_to_date=report.up_to_date)
    for issue in report.issues:
        level = config.severities.get(issue.code)
        if level == "off":
            continue
        if level:
            issue = replace(issue, severity=Severity(level))
        if strict and issue.severity is Severity.WARNING:
            issue = replace(issue, severity=Severity.ERROR)
        out.add(issue)
    return out
