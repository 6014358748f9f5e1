"""Run a build in its own process, park it at a chosen point, and SIGKILL it there (fault tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: the start of every killable script: argv is catalog, out, point, flag; park() signals and waits
PREAMBLE = r"""
import pathlib, sys, time
from avi_atlas import pipeline, render
catalog, out, point, flag = sys.argv[1:5]

def park():
    with open(flag, "w") as f:
        f.write("parked")
    time.sleep(120)
"""


def kill_when_parked(script: str, catalog: Path, site: Path, point: str, flag: Path, cwd: Path | None = None) -> int:
    """Run PREAMBLE + ``script``; SIGKILL the process once it parks. Returns its exit code."""
    proc = subprocess.Popen([sys.executable, "-c", PREAMBLE + script, str(catalog), str(site), point, str(flag)],
                            cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, "the build ended before reaching its kill point"
            assert time.monotonic() < deadline, "the build never reached its kill point"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    return proc.returncode
