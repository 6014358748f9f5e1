"""serve: builds, serves on 127.0.0.1, rebuilds when a record changes, survives bad edits."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

from avi_atlas.serve import serve_site, snapshot


def fetch(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as resp:
        return resp.read().decode("utf-8")


def wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_snapshot_sees_changes(tmp_path: Path):
    f = tmp_path / "a.yaml"
    f.write_text("x: 1\n")
    before = snapshot([tmp_path])
    f.write_text("x: 22\n")
    assert snapshot([tmp_path]) != before


def test_serve_rebuilds_on_change_and_keeps_serving_on_errors(catalog: Path, tmp_path: Path, monkeypatch):
    from avi_atlas import pipeline

    # as under the command line, which keeps what a one-off run made until it exits: a server
    # that rebuilds again and again must not
    monkeypatch.setattr(pipeline, "LEFT_FOR_EXIT", [])
    out = tmp_path / "site"
    stop, ready, logs = threading.Event(), {}, []
    thread = threading.Thread(target=serve_site, kwargs=dict(
        catalog=catalog, out=out, port=0, interval=0.05, stop=stop, log=logs.append,
        on_ready=lambda port: ready.setdefault("port", port)), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: "port" in ready)
        port = ready["port"]
        assert "SegNet-AV" in fetch(port, "papers/seg-net/")
        paper = catalog / "papers/seg-net.yaml"
        paper.write_text(paper.read_text().replace("SegNet-AV: Segmenting What Sounds", "SegNet-AV2: Renamed"))
        assert wait_for(lambda: "SegNet-AV2: Renamed" in fetch(port, "papers/seg-net/"))
        paper.write_text("title: [broken\n")
        assert wait_for(lambda: any("still serving the previous build" in line for line in logs))
        assert "SegNet-AV2: Renamed" in fetch(port, "papers/seg-net/")
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert not pipeline.LEFT_FOR_EXIT
