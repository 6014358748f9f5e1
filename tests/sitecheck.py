"""Walk a built site: every page parsed, every internal link and #fragment resolved."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from .htmlutil import Element, parse_file


def pages(site: Path) -> dict[str, Element]:
    return {p.relative_to(site).as_posix(): parse_file(p) for p in sorted(site.rglob("*.html"))}


def resolve(page: str, href: str) -> tuple[str, str]:
    """Site-relative file path and fragment that ``href`` on ``page`` points at."""
    url, frag = urldefrag(href)
    if not url:
        return page, frag
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), url))
    if url.endswith("/") or target in (".", ""):
        target = posixpath.join(target, "index.html") if target not in (".", "") else "index.html"
    return target, frag


def ids(doc: Element) -> set[str]:
    return {e.attrs["id"] for e in doc.iter() if e.attrs.get("id")}


def broken_links(site: Path) -> list[str]:
    docs = pages(site)
    broken = []
    for page, doc in docs.items():
        if page == "404.html":  # uses the absolute base URL on purpose
            continue
        for el in doc.iter():
            for attr in ("href", "src"):
                href = el.attrs.get(attr)
                if not href or urlparse(href).scheme in ("http", "https", "mailto", "data"):
                    continue
                target, frag = resolve(page, href)
                if target.startswith("..") or not (site / target).is_file():
                    broken.append(f"{page}: {href} -> {target} (missing)")
                elif frag and target in docs and frag not in ids(docs[target]):
                    broken.append(f"{page}: {href} (no #{frag})")
    return broken
