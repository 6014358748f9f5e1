"""The README keeps up with the program: every command, option and issue code is documented."""

from __future__ import annotations

import re

import typer.main

from avi_atlas.cli import app
from avi_atlas.issues import CODES

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def documented_codes() -> set[str]:
    table = README.split("| code | meaning |", 1)[1].split("\n## ", 1)[0]
    return {c for row in table.splitlines() if row.startswith("| `") for c in re.findall(r"`([a-z0-9-]+)`", row.split("|")[1])}


def test_every_issue_code_is_documented_and_no_other():
    assert documented_codes() == set(CODES)


def test_every_command_and_option_is_documented():
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"avi-atlas {name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt}"


def test_quick_start_commands_are_in_ci():
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    command = "bash tests/install-tools.sh && python -m pip install '.[test]' && python -m pytest"
    assert command in README
    assert command in ci
