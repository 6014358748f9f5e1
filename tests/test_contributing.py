"""The contributor's path: GitHub workflows and templates that parse and call only real commands,
and a pre-commit hook that runs."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
import yaml

from avi_atlas.cli import app

from .conftest import FIXTURE_CATALOG, REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def commands_of(run: str) -> list[list[str]]:
    """Shell commands of a `run:` block (split on newlines, && and ;)."""
    out = []
    for line in run.replace("\\\n", " ").splitlines():
        for part in line.replace("&&", ";").split(";"):
            if part.strip() and not part.strip().startswith("#"):
                out.append(shlex.split(part.strip()))
    return out


def check_command(words: list[str]) -> None:
    group = typer.main.get_command(app)
    if words[0] == "avi-atlas":
        sub = group.commands.get(words[1])
        assert sub is not None, f"no command avi-atlas {words[1]}"
        options = {o for p in sub.params for o in p.opts + p.secondary_opts}
        for w in words[2:]:
            if w.startswith("--"):
                assert w.split("=")[0] in options, f"avi-atlas {words[1]} has no option {w}"
    elif words[0] == "bash":
        assert (REPO / words[1]).is_file(), words
    elif words[0] == "python":
        assert words[1:3] in (["-m", "pip"], ["-m", "pytest"]), words
    else:
        raise AssertionError(f"unexpected command {words}")


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflows_are_valid_and_call_only_real_commands(path: Path):
    data = yaml.safe_load(path.read_text())
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers and data["jobs"]
    runs = 0
    for job in data["jobs"].values():
        assert job["runs-on"] and job["steps"]
        for step in job["steps"]:
            assert "uses" in step or "run" in step
            if "run" in step:
                for words in commands_of(step["run"]):
                    check_command(words)
                    runs += 1
    assert runs or path.name == "pages.yml"


def test_pull_requests_are_validated_with_annotations_tested_and_built():
    ci = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
    assert "pull_request" in ci.get("on", ci.get(True))
    runs = [s["run"] for j in ci["jobs"].values() for s in j["steps"] if "run" in s]
    assert "avi-atlas validate --format github" in runs
    assert any(r.startswith("avi-atlas build") for r in runs)
    readme = (REPO / "README.md").read_text()
    test_command = "bash tests/install-tools.sh && python -m pip install '.[test]' && python -m pytest"
    assert test_command in runs and test_command in readme


def test_pages_workflow_deploys_the_build():
    pages = yaml.safe_load((REPO / ".github/workflows/pages.yml").read_text())
    uses = [s.get("uses", "") for j in pages["jobs"].values() for s in j["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert pages["permissions"]["pages"] == "write"


def test_templates_parse():
    form = yaml.safe_load((REPO / ".github/ISSUE_TEMPLATE/propose-a-paper.yml").read_text())
    ids = [item.get("id") for item in form["body"]]
    assert {"title", "link", "pillar"} <= set(ids)
    pr = (REPO / ".github/pull_request_template.md").read_text()
    assert "avi-atlas validate" in pr and "Sources" in pr
    contributing = (REPO / "CONTRIBUTING.md").read_text()
    for needle in ("three steps", "How facts are checked", "Review checklist", "avi-atlas new paper"):
        assert needle in contributing


def test_pre_commit_hook_runs_and_catches_a_broken_record(tmp_path: Path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["avi-atlas-validate"]
    check_command(shlex.split(hooks[0]["entry"]))
    repo = tmp_path / "catalog-repo"
    shutil.copytree(FIXTURE_CATALOG, repo / "catalog")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    git = ["git", "-C", str(repo)]
    subprocess.run(git + ["init", "-q"], check=True, env=env)
    subprocess.run(git + ["add", "-A"], check=True, env=env)
    subprocess.run(git + ["commit", "-qm", "catalog"], check=True, env=env)

    def try_repo():
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "avi-atlas-validate",
                               "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    ok = try_repo()
    assert ok.returncode == 0 and "Passed" in ok.stdout, ok.stdout + ok.stderr
    (repo / "catalog/papers/seg-net.yaml").write_text("title: SegNet\ntasks: [video-to-audi]\nurl: https://e.org\n")
    bad = try_repo()
    assert bad.returncode == 1 and "error[unknown-task]" in bad.stdout, bad.stdout
