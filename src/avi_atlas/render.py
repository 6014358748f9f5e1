"""Plan every page (output path → template + context), then write them all atomically.

Links between pages are relative, so the site works from any sub-path (a GitHub
Pages project site), from a local server, and from ``file://``.  ``base_url``
is used only where an absolute URL is required (the canonical link).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import derive
from .catalog import TREES, Catalog

MARKER = ".avi-atlas-site"
TREE_LABELS = {"tasks": "Tasks", "methods": "Methods", "challenges": "Challenges"}
KIND_LABELS = {"papers": "Papers", "datasets": "Datasets", "benchmarks": "Benchmarks", "metrics": "Metrics"}


class BuildError(Exception):
    """The site cannot be written (bad output folder, duplicate page path, I/O error)."""


@dataclass
class Page:
    path: str  # e.g. "papers/mmaudio/index.html"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    title: str = ""


def templates_dir() -> Path:
    """Templates ship inside the wheel (avi_atlas/templates) or sit at the repository root."""
    packaged = Path(str(resources.files("avi_atlas"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


# ---- Markdown ------------------------------------------------------------
def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.validateLink = _safe_link  # only http(s) links and images survive
    return md


def markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    return Markup(_markdown().render(text))


# ---- Jinja environment -----------------------------------------------------
@lru_cache(maxsize=4)
def environment(folder: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown
    env.filters["num"] = derive.fmt_number
    env.filters["short"] = derive.short_name
    return env


def url_for(kind: str, rid: str | None = None) -> str:
    """Site-relative directory URL of a page: ``papers/mmaudio/``, ``tasks/``, or ``""`` (home)."""
    if kind == "home":
        return ""
    return f"{kind}/{rid}/" if rid else f"{kind}/"


# ---- planning ----------------------------------------------------------------
def plan(cat: Catalog, base_url: str = "/") -> list[Page]:
    """Every page of the site with its context. Two pages never share a path."""
    pages: list[Page] = [Page("index.html", "home.html", {"trees": _tree_view(cat)}, "Home")]
    for tree in TREES:
        pages.append(Page(f"{tree}/index.html", "tree_index.html",
                          {"tree": tree, "view": _tree_view(cat)[tree]}, TREE_LABELS[tree]))
        for node_id, node in cat.nodes[tree].items():
            pages.append(Page(f"{tree}/{node_id}/index.html", "node.html", _node_context(cat, tree, node_id),
                              node.name))
    order = {
        "papers": sorted(cat.papers, key=lambda p: (-(cat.papers[p].year or 0), cat.papers[p].title.casefold())),
        "datasets": sorted(cat.datasets, key=lambda d: cat.datasets[d].name.casefold()),
        "benchmarks": sorted(cat.benchmarks, key=lambda b: cat.benchmarks[b].name.casefold()),
        "metrics": sorted(cat.metrics, key=lambda x: cat.metrics[x].name.casefold()),
    }
    for kind, label in KIND_LABELS.items():
        pages.append(Page(f"{kind}/index.html", f"{kind}_index.html", {"kind": kind, "ids": order[kind]}, label))
    for pid, paper in cat.papers.items():
        pages.append(Page(f"papers/{pid}/index.html", "paper.html", {
            "id": pid, "paper": paper, "bibtex": derive.bibtex(pid, paper),
            "results": derive.paper_results(cat, pid), "record": cat.records["papers"][pid],
        }, paper.title))
    for did, ds in cat.datasets.items():
        pages.append(Page(f"datasets/{did}/index.html", "dataset.html",
                          {"id": did, "dataset": ds, "record": cat.records["datasets"][did]}, ds.name))
    for bid, bench in cat.benchmarks.items():
        pages.append(Page(f"benchmarks/{bid}/index.html", "benchmark.html", {
            "id": bid, "bench": bench, "board": derive.leaderboard(cat, bid),
            "record": cat.records["benchmarks"][bid],
        }, bench.name))
    for mid, metric in cat.metrics.items():
        pages.append(Page(f"metrics/{mid}/index.html", "metric.html",
                          {"id": mid, "metric": metric, "record": cat.records["metrics"][mid]}, metric.name))
    pages.append(Page("404.html", "404.html", {"absolute_links": True}, "Not found"))
    seen: set[str] = set()
    for page in pages:
        if page.path in seen:
            raise BuildError(f"two pages would be written to {page.path}")
        seen.add(page.path)
    for page in pages:
        page.context.update(cat=cat, base_url=base_url)
    return pages


def _tree_view(cat: Catalog) -> dict[str, list[dict]]:
    """Each tree as nested dicts {id, node, counts, children} from its roots down."""

    def view(tree: str, nid: str) -> dict:
        return {
            "id": nid,
            "node": cat.nodes[tree][nid],
            "counts": derive.node_counts(cat, tree, nid),
            "children": [view(tree, c) for c in cat.children[tree].get(nid, [])],
        }

    return {tree: [view(tree, r) for r in cat.roots(tree)] for tree in TREES}


def _node_context(cat: Catalog, tree: str, nid: str) -> dict[str, Any]:
    papers = cat.papers_under(tree, nid)
    ids = [nid, *cat.descendants(tree, nid)]
    ctx: dict[str, Any] = {
        "tree": tree, "id": nid, "node": cat.nodes[tree][nid],
        "ancestors": cat.ancestors(tree, nid),
        "kids": cat.children[tree].get(nid, []),
        "papers": sorted(papers, key=lambda p: (-(cat.papers[p].year or 0), p)),
        "counts": derive.node_counts(cat, tree, nid),
        "years": derive.year_histogram(cat, papers),
        "datasets": sorted({d for i in ids for d in cat.datasets_by_task.get(i, [])}) if tree == "tasks" else [],
        "benchmarks": sorted({b for i in ids for b in cat.benchmarks_by["tasks"].get(i, [])}) if tree == "tasks" else [],
    }
    return ctx


# ---- writing -----------------------------------------------------------------
def render_pages(pages: list[Page], folder: Path | None = None) -> dict[str, str]:
    """Render every page to text (path → HTML). Raises BuildError on a template error."""
    env = environment(str(folder or templates_dir()))
    out: dict[str, str] = {}
    for page in pages:
        if page.context.get("absolute_links"):  # e.g. 404.html, served at any path
            root = page.context["base_url"].rstrip("/") + "/"
        else:
            root = "../" * page.path.count("/")

        def rel(target: str, _root: str = root) -> str:
            return (_root + target) or "./"

        try:
            template = env.get_template(page.template)
            out[page.path] = template.render(page=page, rel=rel, url_for=url_for, root=root or "./",
                                             **page.context)
        except jinja2.TemplateError as exc:
            raise BuildError(f"template {page.template} failed for {page.path}: {exc}") from exc
    return out


def write(pages: list[Page], out: Path, folder: Path | None = None) -> None:
    """Render everything first, then write into a fresh folder and swap it in place of ``out``.

    A build that fails (or is killed) before the swap leaves the previous site
    untouched.  An existing ``out`` that was not written by avi-atlas is never
    replaced.
    """
    folder = folder or templates_dir()
    rendered = render_pages(pages, folder)
    out = out.resolve()
    if out.exists() and not _is_ours(out):
        raise BuildError(f"refusing to replace '{out}': it exists and was not built by avi-atlas "
                         f"(no {MARKER} file); choose another --out or empty it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for rel_path, html in rendered.items():
            target = tmp / rel_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
        static = folder / "static"
        if static.is_dir():
            shutil.copytree(static, tmp / "static")
        (tmp / MARKER).write_text("built by avi-atlas; this folder is replaced on every build\n")
        _world_readable(tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _is_ours(out: Path) -> bool:
    return out.is_dir() and ((out / MARKER).is_file() or not any(out.iterdir()))


def _world_readable(folder: Path) -> None:
    os.chmod(folder, 0o755)
    for dirpath, dirnames, filenames in os.walk(folder):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def _swap(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
