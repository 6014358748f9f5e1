"""config: rule severities from avi-atlas.toml (error, warning, off) and --strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from avi_atlas import config, pipeline

from .conftest import REPO, write


def venue_warning(catalog: Path) -> None:
    path = catalog / "papers/sound-maker.yaml"
    path.write_text(path.read_text().replace("venue: CVPR", "venue: CVPR 2024"))


def codes(report) -> list[tuple[str, str]]:
    return [(i.code, i.severity.value) for i in report.sorted()]


def test_defaults_without_a_config_file(catalog: Path):
    venue_warning(catalog)
    _, report = pipeline.validate(catalog)
    assert codes(report) == [("venue-style", "warning")] and report.ok


@pytest.mark.parametrize("level, expected, ok", [
    ("error", [("venue-style", "error")], False),
    ("off", [], True),
    ("warning", [("venue-style", "warning")], True),
])
def test_config_regrades_a_rule(catalog: Path, level, expected, ok):
    venue_warning(catalog)
    settings = config.load(write(catalog.parent / "avi-atlas.toml", f'[rules]\nvenue-style = "{level}"\n'))
    _, report = pipeline.validate(catalog, settings)
    assert codes(report) == expected and report.ok is ok


def test_config_in_the_working_directory_is_found(catalog: Path, cli):
    venue_warning(catalog)
    write(catalog.parent / "avi-atlas.toml", '[rules]\nvenue-style = "error"\n')
    assert cli("validate").exit_code == 1


def test_strict_turns_warnings_into_errors(catalog: Path, cli):
    venue_warning(catalog)
    assert cli("validate").exit_code == 0
    strict = cli("validate", "--strict")
    assert strict.exit_code == 1 and "error[venue-style]" in strict.stdout
    assert cli("build", "--strict", "--no-search", "--out", "out").exit_code == 1


@pytest.mark.parametrize("text, message", [
    ('[rules]\nvenue-styl = "off"\n', "'venue-styl' is not an issue code (did you mean 'venue-style'?)"),
    ('[rules]\nyaml-syntax = "off"\n', "'yaml-syntax' cannot be re-graded"),
    ('[rules]\nvenue-style = "loud"\n', "venue-style = 'loud': use one of error, warning, off"),
    ('[lint]\nx = 1\n', "unknown section(s) lint"),
    ('[rules\n', "avi-atlas.toml"),
])
def test_bad_config_is_a_usage_error(catalog: Path, cli, text, message):
    write(catalog.parent / "avi-atlas.toml", text)
    result = cli("validate")
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_shipped_config_states_the_defaults():
    shipped = config.load(REPO / "avi-atlas.toml")
    from avi_atlas.rules import WARNINGS

    for code, level in shipped.severities.items():
        assert level == ("warning" if code in WARNINGS else "error"), code
