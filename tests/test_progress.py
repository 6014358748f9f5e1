"""progress: a bar only on an interactive terminal outside CI; the pipeline reports its steps."""

from __future__ import annotations

from pathlib import Path

from avi_atlas import pipeline, progress


class Recorder(progress.Progress):
    def __init__(self):
        self.tasks: dict[str, list[int]] = {}

    def task(self, label, total):
        from contextlib import contextmanager

        @contextmanager
        def cm():
            done = [total, 0]
            self.tasks[label] = done

            def advance(n=1):
                done[1] += n
            yield advance
        return cm()


def test_build_reports_reading_and_rendering(catalog: Path, tmp_path: Path):
    rec = Recorder()
    assert pipeline.build(catalog, tmp_path / "site", progress=rec).ok
    assert set(rec.tasks) == {"reading", "rendering"}  # pages are written as they are rendered
    assert all(total == done for total, done in rec.tasks.values())
    assert rec.tasks["reading"][0] == 8  # taxonomy + 7 records


def test_no_bar_in_ci_or_pipes(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert type(progress.for_terminal()) is progress.Progress
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert type(progress.for_terminal()) is progress.Progress
