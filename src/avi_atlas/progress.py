"""Progress for long work: a bar on an interactive terminal, silence in CI logs and pipes.

The pipeline reports through a :class:`Progress`; only the CLI decides to show it
(it is the module that prints), with rich (which typer brings).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator


class Progress:
    """Does nothing: the pipeline's default."""

    @contextmanager
    def task(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda n=1: None


class Bar(Progress):
    """A rich progress bar on standard error, for catalogs large enough to wait for."""

    def __init__(self, min_total: int = 200) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        self.min_total = min_total
        self.rich = RichProgress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=True, console=_stderr_console())

    @contextmanager
    def task(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if total < self.min_total:
            yield lambda n=1: None
            return
        with self.rich:
            tid = self.rich.add_task(label, total=total)
            yield lambda n=1: self.rich.advance(tid, n)


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)


def for_terminal() -> Progress:
    """A bar when standard error is an interactive terminal outside CI; otherwise silence."""
    interactive = sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
    return Bar() if interactive else Progress()
