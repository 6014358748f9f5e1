"""cli: exit codes, output formats, and the acceptance scenario on the shipped catalog."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, write


def test_validate_clean_catalog(catalog, cli):
    result = cli("validate", "--catalog", str(catalog))
    assert result.exit_code == 0
    assert result.stdout == "" and "no issues" in result.stderr


def test_validate_reports_all_errors_and_exits_1(catalog, cli):
    write(catalog / "papers/a.yaml", "title: A\nurl: https://e.org\ntasks: [video-to-audi]\n")
    write(catalog / "papers/b.yaml", "title: B\nurl: https://e.org/b\ntasks: [video-to-audio]\nyear: soon\n")
    write(catalog / "papers/c.yaml", "title: C\n  tasks: [x]\n")
    result = cli("validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "catalog/papers/a.yaml:3:9: error[unknown-task] tasks[0]: 'video-to-audi' is not a task id (did you mean 'video-to-audio'?)",
        "catalog/papers/b.yaml:4:7: error[wrong-type] year: expected a whole number, got 'soon' (text)",
        "catalog/papers/c.yaml:2:8: error[yaml-syntax] YAML syntax error: mapping values are not allowed in this context",
        "    hint: quote a value that contains ': ', e.g. title: \"A: B\"",
    ]
    assert "3 errors" in result.stderr


def test_json_and_github_formats(catalog, cli):
    write(catalog / "papers/a.yaml", "title: A\nurl: https://e.org\ntasks: [video-to-audi]\n")
    data = json.loads(cli("validate", "--format", "json").stdout)
    assert data["ok"] is False
    assert [(i["file"], i["line"], i["col"], i["code"]) for i in data["issues"]] == [("catalog/papers/a.yaml", 3, 9, "unknown-task")]
    gh = cli("validate", "-f", "github")
    assert gh.exit_code == 1
    assert gh.stdout.startswith("::error file=catalog/papers/a.yaml,line=3,col=9,title=unknown-task::tasks[0]: ")


def test_usage_errors_exit_2(tmp_path, cli):
    missing = cli("validate", "--catalog", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert cli("validate", "--format", "xml").exit_code == 2
    assert cli("frobnicate").exit_code == 2
    assert cli("build", "--catalog", str(tmp_path / "nope")).exit_code == 2


def test_build_writes_site_or_nothing(catalog, cli, tmp_path):
    out = tmp_path / "out"
    ok = cli("build", "--catalog", str(catalog), "--out", str(out))
    assert ok.exit_code == 0 and (out / "index.html").is_file()
    write(catalog / "papers/x.yaml", "title: X\n")
    fresh = tmp_path / "fresh"
    bad = cli("build", "--out", str(fresh))
    assert bad.exit_code == 1 and not fresh.exists()
    assert "catalog/papers/x.yaml:1:1: error[no-task-or-method]" in bad.stdout
    assert "nothing was written" in bad.stderr


def test_build_refusal_is_a_message_not_a_traceback(catalog, cli, tmp_path):
    write(tmp_path / "mine/notes.txt", "keep")
    result = cli("build", "--out", str(tmp_path / "mine"))
    assert result.exit_code == 1 and "refusing to replace" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_acceptance_on_a_copy_of_the_shipped_catalog(tmp_path):
    """Unknown task id, wrong type and YAML syntax error in three papers: all three, positioned, exit 1."""
    copy = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", copy)
    mmaudio = copy / "papers/mmaudio.yaml"
    mmaudio.write_text(mmaudio.read_text().replace("tasks: [video-to-audio]", "tasks: [video-to-audi]"))
    wav2lip = copy / "papers/wav2lip.yaml"
    wav2lip.write_text(wav2lip.read_text().replace("year: 2020", "year: twenty twenty"))
    hallo = copy / "papers/hallo.yaml"
    lines = hallo.read_text().splitlines()
    lines.insert(1, "\tbroken: indentation with a tab")
    hallo.write_text("\n".join(lines) + "\n")
    run = subprocess.run([sys.executable, "-m", "avi_atlas", "validate", "--catalog", "catalog"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1
    out = run.stdout.splitlines()
    task_line = next(i for i, l in enumerate(mmaudio.read_text().splitlines(), 1) if l.startswith("tasks:"))
    year_line = next(i for i, l in enumerate(wav2lip.read_text().splitlines(), 1) if l.startswith("year:"))
    assert f"catalog/papers/mmaudio.yaml:{task_line}:9: error[unknown-task] tasks[0]: 'video-to-audi' is not a task id (did you mean 'video-to-audio'?)" in out
    assert f"catalog/papers/wav2lip.yaml:{year_line}:7: error[wrong-type] year: expected a whole number, got 'twenty twenty' (text)" in out
    assert any(l.startswith("catalog/papers/hallo.yaml:2:1: error[yaml-syntax]") and "tab" in l for l in out), out
    assert len([l for l in out if ": error[" in l]) == 3
    assert "Traceback" not in run.stderr


def test_console_script_is_installed():
    exe = shutil.which("avi-atlas", path=str(Path(sys.executable).parent))
    assert exe, "pip install should put avi-atlas on PATH"
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).returncode == 0


def test_new_paper_filled_in_validates(catalog, cli):
    result = cli("new", "paper", "my-paper")
    assert result.exit_code == 0 and result.stdout.strip() == "wrote catalog/papers/my-paper.yaml"
    path = catalog / "papers/my-paper.yaml"
    text = path.read_text()
    assert "# title (required): Title exactly as published" in text
    before = cli("validate")
    assert before.exit_code == 1
    assert {line.split(" ")[1] for line in before.stdout.splitlines()} == {
        "error[empty-value]", "error[missing-identifier]", "error[no-task-or-method]"}
    text = (text.replace('title: ""', 'title: "My Paper"').replace("arxiv:    #", 'arxiv: "2401.00042"   #')
            .replace("tasks: []", "tasks: [video-to-audio]"))
    path.write_text(text)
    assert cli("validate").exit_code == 0, cli("validate").stdout


def test_every_kind_has_a_scaffold_that_parses(catalog, cli):
    for kind in ("paper", "dataset", "benchmark", "metric"):
        assert cli("new", kind, f"new-{kind}").exit_code == 0
    result = cli("validate")
    codes = {line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith("catalog/")}
    assert "error[yaml-syntax]" not in codes and "error[unknown-field]" not in codes


def test_new_refuses_existing_and_invalid_ids(catalog, cli):
    assert cli("new", "paper", "sound-maker").exit_code == 1
    assert cli("new", "paper", "Bad Id").exit_code == 2
    assert cli("new", "thesis", "x").exit_code == 2


def test_only_the_command_line_leaves_what_a_run_made_unfreed_until_it_exits(catalog, tmp_path, monkeypatch):
    """cli.main leaves with os._exit, so what a build made is kept (pipeline.LEFT_FOR_EXIT)
    rather than freed object by object; a library caller's runs are freed as usual."""
    import gc

    from avi_atlas import cli, pipeline

    frozen = gc.get_freeze_count()
    monkeypatch.setattr(pipeline, "LEFT_FOR_EXIT", None)
    pipeline.build(catalog, tmp_path / "lib-site")
    assert pipeline.LEFT_FOR_EXIT is None
    assert gc.get_freeze_count() == frozen  # the collector still sees (and frees) a library run's objects

    class Exited(Exception):
        pass

    def fake_exit(code):
        raise Exited(code)

    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(sys, "argv", ["avi-atlas", "build", "--catalog", str(catalog), "--out", str(tmp_path / "s")])
    try:
        cli.main()
    except Exited as done:
        assert done.args == (0,)
    else:
        raise AssertionError("cli.main returned instead of leaving with os._exit")
    finally:
        # the objects the run left are frozen, so no collection walks them before the exit
        objects_frozen = gc.get_freeze_count() - frozen
        gc.unfreeze()  # (this process goes on)
    left = pipeline.LEFT_FOR_EXIT
    assert (tmp_path / "s" / "index.html").is_file()
    assert any(isinstance(made, dict) and "catalog" in made and "pages" in made for made in left)
    assert objects_frozen > 1000


def test_the_command_imports_the_program_without_collections(tmp_path: Path):
    """The `avi-atlas` entry point (pyproject) imports the command line with the cyclic collector
    paused and freezes what the import made: a run collects far less often than one that imports
    the command line as a library does, and does the same."""
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["avi-atlas"] == "avi_atlas.__main__:main"
    count = ("import gc, sys\n"
             "gc.callbacks.append(lambda phase, info: phase == 'start' and print('collected', file=sys.stderr))\n"
             "sys.argv = ['avi-atlas', 'validate', '--catalog', sys.argv[1]]\n")
    runs = {}
    for way, call in (("entry", "from avi_atlas.__main__ import main; main()"),
                      ("library", "from avi_atlas.cli import main; main()")):
        done = subprocess.run([sys.executable, "-c", count + call, str(tmp_path / "none")],
                              capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 2 and "does not exist" in done.stderr  # the same run either way
        runs[way] = done.stderr.count("collected")
    assert runs["library"] > 20 and runs["entry"] < runs["library"] / 4
