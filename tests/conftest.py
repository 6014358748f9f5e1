"""Shared fixtures: a fresh copy of the fixture catalog, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avi_atlas.cli import app

DATA = Path(__file__).parent / "data"
FIXTURE_CATALOG = DATA / "catalog"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _private_record_cache(tmp_path_factory: pytest.TempPathFactory):
    """Commands run by the tests keep their record cache (cache.py) in a temporary folder, never in ~/.cache."""
    import os

    os.environ["AVI_ATLAS_CACHE_DIR"] = str(tmp_path_factory.mktemp("record-cache"))
    yield


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of tests/data/catalog; the working directory is its parent,
    so issue paths read ``catalog/papers/x.yaml``."""
    target = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, target)
    monkeypatch.chdir(tmp_path)
    return target


@pytest.fixture
def cli():
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- built and served sites, for browser and HTML-quality tests ------------------------
import functools  # noqa: E402
import threading  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TOOLS = Path(__file__).parent / "tools" / "node_modules"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - silence the test output
        pass

    def end_headers(self):
        # lets linkchecker lift its 10-requests-per-second politeness limit for this local server
        self.send_header("LinkChecker", "local test server")
        super().end_headers()


def _serve(folder: Path):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _build(catalog_dir: Path, out: Path) -> Path:
    from avi_atlas import pipeline

    report = pipeline.build(catalog_dir, out, search=True)
    assert report.ok, report.format()
    return out


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory):
    """The fixture catalog, built with search and served on 127.0.0.1."""
    out = _build(FIXTURE_CATALOG, tmp_path_factory.mktemp("fixture-site") / "site")
    server, url = _serve(out)
    yield out, url
    server.shutdown()


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory):
    """The shipped catalog, built with search and served on 127.0.0.1."""
    out = _build(REPO / "catalog", tmp_path_factory.mktemp("shipped-site") / "site")
    server, url = _serve(out)
    yield out, url
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert Path(CHROMIUM).exists(), "browser tests need Debian's chromium: run tests/install-tools.sh"
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}
