"""``avi-atlas serve``: build, serve on 127.0.0.1, rebuild when inputs change."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from . import pipeline
from . import render
from .render import BuildError, templates_dir


def snapshot(folders: list[Path]) -> dict[str, tuple[float, int]]:
    """(mtime, size) of every file under the folders: cheap change detection by polling."""
    state: dict[str, tuple[float, int]] = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            if path.is_file():
                st = path.stat()
                state[str(path)] = (st.st_mtime, st.st_size)
    return state


def rebuild(catalog: Path, out: Path, log: Callable[[str], None], search: bool = True) -> bool:
    render.environment.cache_clear()  # templates are compiled once per build: pick up edited ones
    try:
        report = pipeline.build(catalog, out, search=search, use_cache=True)  # only the pages that changed
    except (BuildError, OSError) as exc:
        log(f"build failed: {exc}")
        return False
    if not report.ok:
        log(report.format("text"))
        log(f"✗ {report.summary()}; still serving the previous build")
        return False
    log(f"✓ built {out}/ ({report.rendered:,} pages rendered)" if not report.up_to_date else f"✓ {out}/ is up to date")
    return True


class _Handler(SimpleHTTPRequestHandler):
    """Serves the *current* site folder (the build swaps it), quietly."""

    def __init__(self, *args, root: Path, **kwargs):
        super().__init__(*args, directory=str(root), **kwargs)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


def serve_site(catalog: Path, out: Path, port: int = 8000, watch: bool = True,
               log: Callable[[str], None] = print, interval: float = 0.5,
               stop: threading.Event | None = None,
               on_ready: Callable[[int], None] | None = None, search: bool = True) -> None:
    """Build, serve ``out`` on 127.0.0.1:``port`` and rebuild on changes until Ctrl+C (or ``stop``)."""
    if not catalog.is_dir():
        raise pipeline.UsageError(f"catalog directory '{catalog}' does not exist")
    pipeline.LEFT_FOR_EXIT = None  # a process that builds again and again frees each build's objects
    rebuild(catalog, out, log, search)
    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Handler, root=out.resolve())
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    bound = server.server_address[1]
    log(f"serving http://127.0.0.1:{bound}/  (Ctrl+C to stop)")
    stop = stop or threading.Event()
    threads = [threading.Thread(target=server.serve_forever, daemon=True)]
    if watch:
        folders = [catalog, templates_dir()]

        def loop() -> None:
            last = snapshot(folders)
            while not stop.wait(interval):
                now = snapshot(folders)
                if now != last:
                    last = now
                    rebuild(catalog, out, log, search)

        threads.append(threading.Thread(target=loop, daemon=True))
    for t in threads:
        t.start()
    if on_ready:
        on_ready(bound)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
