"""Measure avi-atlas at scale and compare with Hugo building the same number of pages of similar size.

    python benchmarks/run.py --sizes 1000 10000 [--work /tmp/avi-bench] [--json results.json]

For each size: generate a synthetic catalog (benchmarks/generate.py), then time, in fresh processes,
`avi-atlas validate`, a full `avi-atlas build --no-search` into an empty folder, a rebuild with
nothing changed, and a rebuild after one paper changed; peak memory is the process's maximum RSS.
Then build a Hugo site (Debian package `hugo`) with as many pages as avi-atlas wrote and the same
average page size, and report avi-atlas / Hugo.

With two sizes or more, full builds of every size (and Hugo's of as many pages) then run in turn,
and for each size the time per page is compared with the size before it (``growth``): 1.0 is
linear growth.

Each figure is the median of ``--repeat`` runs (5 by default): on a shared machine one run can be
a third slower than the next. The full build, Hugo's build and a one-change update of that full
build run in turn, so that the three meet the same machine, and each ratio of the targets is the
median of the ratios within a turn. Each timed run starts once the disk has written out what the
runs before it left (``os.sync``). Nothing is deleted while runs are timed: a site, catalog or cache
a run is done with is moved aside (``Trash``) and deleted after the last run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

# a small Python process runs the command, so that its peak memory is the command's (and its workers')
# alone; the clock is read in there, around the command only, not around that process's own start
# (the CPU time is the command's and its workers', user and system: what the work cost, whatever the
# other programs on the machine did to the wall time)
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); t = time.perf_counter() - t; "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(t, u.ru_maxrss, u.ru_utime + u.ru_stime, r.returncode)")


class Trash:
    """Folders the runs are done with, moved aside (one rename) and deleted only after the last timed
    run (``empty``).

    On ext4 without a journal (this benchmark's machine: a VM's disk), making a file passes over
    every inode freed in the last half minute or so, reading its inode table for each (the kernel's
    ``recently_deleted``, fs/ext4/ialloc.c; a journaled file system does not): a build or a Hugo
    build just after the previous site was deleted spent most of its time in the kernel, more with
    each turn (Hugo on its own: 5.1 s, then 8.2, 11.3, 14.4, 15.7 and 16.7 s, 20 s of it system time),
    measuring that and not the programs. Moved aside, nothing is freed while runs are timed."""

    def __init__(self, work: Path):
        self.work = work
        self.root = work / f".trash-{os.getpid()}"
        self.moved = 0

    def put(self, path: Path) -> None:
        if path.exists() or path.is_symlink():
            self.root.mkdir(parents=True, exist_ok=True)
            path.rename(self.root / f"{self.moved}-{path.name}")
            self.moved += 1

    def empty(self) -> None:
        """Delete what was moved aside, and what a run that was stopped left."""
        for left in self.work.glob(".trash-*"):
            shutil.rmtree(left, ignore_errors=True)


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of ``cmd`` run in a fresh process, once the disk has written
    out what earlier runs left to it (their pages, the deletion of an earlier site): each run pays
    for its own writes only, not for those of the run before it (Hugo's, say)."""
    os.sync()
    run = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True)
    wall, rss_kb, cpu, code = run.stdout.split()
    if code != "0":
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{run.stderr[-2000:]}")
    return float(wall), int(rss_kb) / 1024, float(cpu)


def median(values: list[float]) -> float:
    """The middle value (of an even number, the upper middle one)."""
    return sorted(values)[len(values) // 2]


def median_of(runs: list[tuple[float, ...]]) -> tuple[float, float]:
    """The median wall time of several runs, and the highest peak memory among them."""
    return median([r[0] for r in runs]), max(r[1] for r in runs)


def repeated(cmd: list[str], times: int, before=None, cwd: Path | None = None) -> tuple[float, float]:
    """``timed(cmd)`` ``times`` times, ``before()`` (not timed) ahead of each run; the median."""
    runs = []
    for _ in range(times):
        if before is not None:
            before()
        runs.append(timed(cmd, cwd))
    return median_of(runs)


def site_shape(site: Path) -> tuple[int, int]:
    pages = list(site.rglob("*.html"))
    return len(pages), sum(p.stat().st_size for p in pages)


def hugo_site(root: Path, pages: int, avg_bytes: int, trash: Trash, seed: int = 3) -> Path:
    """A Hugo site with ``pages`` content pages whose HTML averages about ``avg_bytes``."""
    rng = random.Random(seed)
    trash.put(root)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "/"\ntitle = "bench"\n'
                                    'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n')
    (root / "layouts" / "_default" / "baseof.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}</title>"
        "<link rel=stylesheet href=/style.css></head><body><header><nav><a href=/>Home</a> "
        "<a href=/papers/>Papers</a></nav></header><main>{{ block \"main\" . }}{{ end }}</main></body></html>")
    (root / "layouts" / "_default" / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}')
    (root / "layouts" / "_default" / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">'
        '{{ .Title }}</a></li>{{ end }}</ul>{{ end }}')
    words = "audio visual video sound model table benchmark result".split()
    body_words = max(avg_bytes // 7, 10)
    content = root / "content" / "papers"
    content.mkdir(parents=True)
    for i in range(pages):
        text = " ".join(rng.choice(words) for _ in range(body_words))
        (content / f"p{i}.md").write_text(f"---\ntitle: Page {i}\n---\n{text}\n")
    return root


def hugo_build(hsite: Path, public: Path, trash: Trash) -> tuple[float, float, float]:
    """``timed`` Hugo building ``hsite`` into an empty ``public`` (the last build's moved aside)."""
    trash.put(public)
    return timed(["hugo", "--quiet", "--destination", str(public)], cwd=hsite)


def touch_summary(paper: Path) -> None:
    """One edit of one record: its summary gains a word, or loses the one the last edit added."""
    text = paper.read_text()
    if "summary: >-\n  Changed. " in text:
        paper.write_text(text.replace("summary: >-\n  Changed. ", "summary: >-\n  ", 1))
    else:
        paper.write_text(text.replace("summary: >-\n  ", "summary: >-\n  Changed. ", 1))


@dataclass
class Setup:
    """What ``growth`` needs to build one size again: the command, its record cache, the folder it
    builds into, and Hugo's site of as many pages (None without Hugo) and its output folder."""
    papers: int
    pages: int
    build: list[str]
    cache: Path
    site: Path
    hugo: Path | None
    public: Path
    hugo_pages: int = 0


def measure(n: int, work: Path, hugo: bool, times: int, trash: Trash) -> tuple[dict, Setup]:
    """Every figure of one size (``result``, as the JSON holds it), and how to build it again."""
    base = work / str(n)
    catalog, site = base / "catalog", base / "site"
    trash.put(catalog)
    counts = generate(n, catalog)
    exe = shutil.which("avi-atlas") or "avi-atlas"
    trash.put(site)
    result: dict = {"papers": n, "records": counts, "repeat": times}
    cache = base / "record-cache"  # cache.py's folder, private to this run
    trash.put(cache)
    os.environ["AVI_ATLAS_CACHE_DIR"] = str(cache)
    # as after `pip install .`, which compiles the program: each run must not compile it again
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    validate = [exe, "validate", "--catalog", str(catalog)]
    build = [exe, "build", "--catalog", str(catalog), "--out", str(site), "--no-search"]
    cold_site = base / "site-cold"
    result["validate_cold"] = repeated(validate + ["--no-cache"], times)
    result["build_cold"] = repeated([exe, "build", "--catalog", str(catalog), "--out", str(cold_site), "--no-search",
                                     "--no-cache"], times, before=lambda: trash.put(cold_site))
    result["validate"] = timed(validate)  # fills the record cache
    result["validate_warm"] = repeated(validate, times)  # every record from the cache
    builds, hugos, ones = [], [], []
    hsite = None
    if hugo and shutil.which("hugo"):  # as many pages as avi-atlas writes, of the same average size
        trash.put(site)
        timed(build)
        pages, size = site_shape(site)
        hsite = hugo_site(base / "hugo", pages, size // pages, trash)
    public = base / "hugo-public"
    for _ in range(times):  # in turn: a full build, Hugo's, and an update of that build after one record changed
        trash.put(site)
        builds.append(timed(build))  # into an empty folder, the record cache warm
        if hsite is not None:
            hugos.append(hugo_build(hsite, public, trash))
        touch_summary(catalog / "papers" / "paper-0.yaml")
        ones.append(timed(build))
    result["build"], result["rebuild_one_change"] = median_of(builds), median_of(ones)
    result["turns"] = [{"build": b[0], "build_cpu": b[2], "hugo": h[0] if h else None, "one_change": o[0]}
                       for b, h, o in zip(builds, hugos or [None] * times, ones)]
    result["rebuild_no_change"] = repeated(build, times)
    result["validate_one_change"] = repeated(validate, times,
                                             before=lambda: touch_summary(catalog / "papers" / "paper-1.yaml"))
    pages, size = site_shape(site)
    result["pages"], result["avg_page_kb"] = pages, round(size / pages / 1024, 1)
    if hugos:
        result["hugo"] = median_of(hugos)
        hp, hs = site_shape(public)
        result["hugo_pages"], result["hugo_avg_page_kb"] = hp, round(hs / max(hp, 1) / 1024, 1)
        # the ratios of the targets are taken between runs made in the same minute (a full build and the
        # Hugo build, or the update, that followed it), and their median reported: the machine's speed drifts
        result["build_over_hugo"] = round(median([b[0] / h[0] for b, h in zip(builds, hugos)]), 2)
        result["build_cold_over_hugo"] = round(result["build_cold"][0] / result["hugo"][0], 2)
        result["no_change_over_hugo"] = round(result["rebuild_no_change"][0] / result["hugo"][0], 2)
    result["one_change_over_full"] = round(median([o[0] / b[0] for o, b in zip(ones, builds)]), 3)
    setup = Setup(n, pages, build, cache, site, hsite, public, result.get("hugo_pages", 0))
    return result, setup


def growth(setups: list[Setup], times: int, trash: Trash) -> list[dict]:
    """How the full build's time grows with the catalog. Full builds of every size run in turn
    (each followed by Hugo's build of as many pages), ``times`` turns, so that the sizes meet the
    same machine; the sizes' figures measured one after the other were minutes or hours apart. For
    each size after the first: the ratio of its time per page to the size before it's, in each
    turn, and their median (1.0: linear; above it, faster than linear) — in wall time, in CPU time
    (the command's and its workers'), and Hugo's in wall time for comparison."""
    walls: list[list[tuple[float, float, float | None]]] = [[] for _ in setups]  # each size's (wall, CPU, Hugo)
    for _ in range(times):
        for s, mine in zip(setups, walls):
            os.environ["AVI_ATLAS_CACHE_DIR"] = str(s.cache)
            trash.put(s.site)
            wall, _, cpu = timed(s.build)
            theirs = None
            if s.hugo is not None:
                theirs = hugo_build(s.hugo, s.public, trash)[0]
            mine.append((wall, cpu, theirs))
    out = []
    for i, (small, big) in enumerate(zip(setups, setups[1:])):
        turns = [{"build": (a[0], b[0]), "cpu": (a[1], b[1]), "hugo": (a[2], b[2])}
                 for a, b in zip(walls[i], walls[i + 1])]
        row = {"papers": (small.papers, big.papers), "pages": (small.pages, big.pages), "turns": turns}
        for key in ("build", "cpu"):
            row[f"{key}_per_page"] = per_page([t[key] for t in turns], small.pages, big.pages)
        if small.hugo is not None and small.hugo_pages and big.hugo_pages:
            row["hugo_per_page"] = per_page([t["hugo"] for t in turns], small.hugo_pages, big.hugo_pages)
        out.append(row)
    return out


def per_page(turns: list[tuple[float, float]], small: int, big: int) -> list[float]:
    """For each turn's (time at the small size, time at the big size), the big size's time per page
    over the small size's (``small`` and ``big`` pages), in order."""
    return sorted(round(b / big / (a / small), 3) for a, b in turns)


def growth_line(row: dict) -> str:
    """One line of the growth report: each figure the median of the turns, their range after it."""
    def figure(values: list[float]) -> str:
        return f"{median(values):.3f} ({values[0]:.3f}–{values[-1]:.3f})"

    (a, b), (pa, pb) = row["papers"], row["pages"]
    text = (f"{b:>7} vs {a}: pages ×{pb / pa:.2f}; time per page, against {a}'s: "
            f"wall {figure(row['build_per_page'])}, CPU {figure(row['cpu_per_page'])}")
    if "hugo_per_page" in row:
        text += f"; Hugo wall {figure(row['hugo_per_page'])}"
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/avi-bench"))
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--repeat", type=int, default=5, help="runs per figure (the median is reported)")
    args = ap.parse_args()
    runs = []
    trash = Trash(args.work)
    print(f"{platform.node()} · {platform.python_version()} · {platform.machine()}")
    header = (f"{'papers':>7} {'pages':>6} {'KB/pg':>6} {'val cold':>9} {'val 1chg':>9} {'val warm':>9} "
              f"{'build cold':>10} {'build':>8} {'no-chg':>7} {'1-chg':>7} {'hugo':>7} {'b/h':>5} {'1chg/b':>7} {'peak MB':>8}")
    print(header)
    setups = []
    for n in args.sizes:
        r, setup = measure(n, args.work, not args.no_hugo, args.repeat, trash)
        runs.append(r)
        setups.append(setup)
        hugo_t = f"{r['hugo'][0]:7.2f}" if "hugo" in r else "      —"
        ratio = f"{r['build_over_hugo']:5.2f}" if "hugo" in r else "    —"
        peak = max(v[1] for k, v in r.items() if isinstance(v, tuple) and not k.startswith("hugo"))
        print(f"{n:>7} {r['pages']:>6} {r['avg_page_kb']:>6} {r['validate_cold'][0]:9.2f} "
              f"{r['validate_one_change'][0]:9.2f} {r['validate_warm'][0]:9.2f} {r['build_cold'][0]:10.2f} "
              f"{r['build'][0]:8.2f} {r['rebuild_no_change'][0]:7.2f} {r['rebuild_one_change'][0]:7.2f} "
              f"{hugo_t} {ratio} {r['one_change_over_full']:7.1%} {peak:8.0f}", flush=True)
    if len(setups) > 1:
        print(f"growth: full builds of each size in turn ({args.repeat} turns); 1.0 is linear")
        for r, row in zip(runs[1:], growth(setups, args.repeat, trash)):
            r["growth"] = row
            print(growth_line(row), flush=True)
    if args.json:  # before the deletion, which takes minutes at 50k
        args.json.write_text(json.dumps(runs, indent=1) + "\n")
    trash.empty()  # after every size's runs


if __name__ == "__main__":
    main()
