"""Where a build's time goes: by kind of page, and by step of a one-change update.

    python benchmarks/where.py --papers 10000 [--work /tmp/avi-where]

Pages: every page of a synthetic catalog (benchmarks/generate.py) rendered and written in one
process, without workers, in the order a build renders them, and the time of each kind of page
(its template, or a data file's type) in total and per page. The first pages of a kind pay for
values that later pages share (a paper's comparison row, its BibTeX entry), as in a build.

Update: the site built once, one paper's summary changed (as benchmarks/run.py does), and the
site updated in a fresh process, as the command line would (a child takes the stats while the
program imports, prefetch.py; what a run makes is left for the exit): the time of importing the
program, of the update, and of each step the update went through. Steps nest
(``pipeline.validate`` holds ``pipeline.load``); starting Python itself is in none of them
(benchmarks/run.py times whole commands).
"""

import time

STARTED = time.perf_counter()  # before the program is imported: a fresh process times the imports

import argparse  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from run import Trash, touch_summary  # noqa: E402

# the update's fresh process starts the child that stats the catalog and the site before importing
# the program, as the command does (avi_atlas/__main__.py, prefetch.py)
from avi_atlas import prefetch  # noqa: E402

if "--time-update" in sys.argv:
    _catalog, _site = sys.argv[sys.argv.index("--time-update") + 1:][:2]
    prefetch.start(["build", "--catalog", _catalog, "--out", _site])

# the modules the command imports, typer's command line included (the command also pauses the
# collector while it imports them, avi_atlas/__main__.py, which saves some 0.02 s)
from avi_atlas import cli, freshness, incremental, pipeline, render, rules  # noqa: E402, F401

IMPORTED = time.perf_counter()

#: the steps of an update that are timed, by module (each is called through its module, so
#: replacing the module's attribute times every call)
STEPS = {pipeline: ("validate", "load", "check_all"), rules: ("run",),
         freshness: ("catalog_stats", "listing", "catalog_digest", "digest", "recorded", "intact"), prefetch: ("taken",),
         incremental: ("load", "snapshot", "changes", "expand", "stale", "save"),
         render: ("plan", "update", "render_into")}


def pages_by_kind(catalog: Path, out: Path) -> list[tuple[str, int, float]]:
    """(kind of page, pages, seconds) for every page of ``catalog`` rendered into ``out``, the
    costliest kind first."""
    cat, report = pipeline.validate(catalog)
    if not report.ok:
        raise SystemExit(f"{catalog} has errors: run avi-atlas validate")
    pages = render.plan(cat)
    spent: Counter[str] = Counter()
    count: Counter[str] = Counter()
    with pipeline.gc_paused():  # as in a build
        cat.build_all()
        renderer, writer = render._Renderer(pages, None), render._Writer(out)
        for page in pages:
            kind = page.template or "data file ." + page.path.rpartition(".")[2]
            start = time.perf_counter()
            text, _, _ = renderer.render(page)
            writer.write(page.path, text)
            spent[kind] += time.perf_counter() - start
            count[kind] += 1
    return [(kind, count[kind], seconds) for kind, seconds in spent.most_common()]


@contextlib.contextmanager
def timing(steps: dict = STEPS) -> Iterator[Counter]:
    """Inside the block, every call of the ``steps`` adds its seconds to the Counter yielded
    (under "module.function"); the functions are put back when the block ends."""
    spent: Counter[str] = Counter()
    replaced = []
    for module, names in steps.items():
        for name in names:
            original = getattr(module, name)
            replaced.append((module, name, original))
            setattr(module, name, _timed(original, f"{module.__name__.rpartition('.')[2]}.{name}", spent))
    try:
        yield spent
    finally:
        for module, name, original in reversed(replaced):
            setattr(module, name, original)


def _timed(function, label: str, spent: Counter):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start
    return timed


def update_steps(catalog: Path, out: Path) -> dict:
    """Build ``out`` from ``catalog``, change one paper's summary, and update the site in a fresh
    process (``--time-update``): {"imports", "seconds", "rendered", "steps"} of that process (its
    imports and its update, in seconds; the pages the update rendered; each step's seconds). The
    summary is changed back afterwards."""
    pipeline.build(catalog, out, use_cache=True)  # the site, and the state an update starts from
    paper = min((catalog / "papers").glob("*.yaml"))
    touch_summary(paper)
    try:
        run = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--time-update", str(catalog), str(out)],
                             capture_output=True, text=True)
    finally:
        touch_summary(paper)
    if run.returncode != 0:
        raise SystemExit(f"the update failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def _time_update(catalog: Path, out: Path) -> dict:
    pipeline.LEFT_FOR_EXIT = []  # as the command line does (cli.main)
    with timing() as spent:
        start = time.perf_counter()
        report = pipeline.build(catalog, out, use_cache=True, seen=prefetch.taken(catalog, out))
        seconds = time.perf_counter() - start
    return {"imports": IMPORTED - STARTED, "seconds": seconds, "rendered": report.rendered, "steps": dict(spent)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=10000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/avi-where"))
    ap.add_argument("--time-update", nargs=2, type=Path, metavar=("CATALOG", "SITE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.time_update:  # the fresh process of update_steps
        print(json.dumps(_time_update(*args.time_update)))
        sys.stdout.flush()
        os._exit(0)  # as the command line leaves
    base = args.work / str(args.papers)
    catalog = base / "catalog"
    # what an earlier run left is moved aside and deleted after the last timing: making files just
    # after many were deleted is slow on this machine's file system (see run.Trash)
    trash = Trash(args.work)
    trash.put(catalog)
    generate(args.papers, catalog)
    os.environ["AVI_ATLAS_CACHE_DIR"] = str(base / "record-cache")  # private to this run
    pages_out = base / "pages"
    trash.put(pages_out)
    kinds = pages_by_kind(catalog, pages_out)
    trash.put(pages_out)
    print(f"{args.papers} papers: every page in one process, by kind")
    print(f"{'kind':26} {'pages':>6} {'seconds':>8} {'ms/page':>8}")
    for kind, n, seconds in kinds:
        print(f"{kind:26} {n:>6} {seconds:8.2f} {seconds / n * 1000:8.3f}")
    print(f"{'all':26} {sum(n for _, n, _ in kinds):>6} {sum(s for _, _, s in kinds):8.2f}")
    site = base / "site"
    trash.put(site)
    update = update_steps(catalog, site)
    print(f"\none paper's summary changed, in a fresh process: importing the program {update['imports']:.3f} s, "
          f"the update {update['seconds']:.3f} s ({update['rendered']} pages rendered)")
    for label, step in Counter(update["steps"]).most_common():
        print(f"  {label:26} {step:8.3f}")
    trash.empty()


if __name__ == "__main__":
    main()
