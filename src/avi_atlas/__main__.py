"""The `avi-atlas` command (and `python -m avi_atlas`): the command line, imported with the
cyclic garbage collector paused.

Importing the program (pydantic, typer, the models) makes some hundred thousand objects that
live until the process ends; the collector walked them 64 times as they were made, to free
nothing (0.025 s of every run). They are frozen once imported: collections after that look
only at what the command itself makes.

Before the import, `build` and `validate` fork a child that takes the stats they start with
(prefetch.py): it works on another core while this one imports."""

import gc
import sys


def main() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        from . import prefetch

        prefetch.start(sys.argv[1:])  # a child takes the stats a build starts with, while this imports
        from .cli import main as run
    finally:
        gc.freeze()
        if was:
            gc.enable()
    run()


if __name__ == "__main__":
    main()
