"""Write paper records as YAML in the catalog's house style, with guessable ids."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import yaml

STOPWORDS = set("a an the of for with and in on to via by from towards toward is are all you we at as its".split())
FIELD_ORDER = ("name", "title", "kind", "authors", "authors_complete", "year", "date", "venue", "arxiv", "doi", "url",
               "code", "project", "tasks", "methods", "challenges", "modalities", "datasets", "summary", "unverified",
               "added")
FLOW = {"tasks", "methods", "challenges", "datasets"}
GREEK = {"π": "pi", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "λ": "lambda", "μ": "mu", "σ": "sigma",
         "ω": "omega", "Π": "pi", "Ω": "omega"}


def slug(text: str) -> str:
    text = "".join(GREEK.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def make_id(name: str | None, title: str, year: int | None, taken: set[str]) -> str:
    """A guessable id: the work's short name (``mmaudio``, ``qwen2-5-omni``), else the title's key words."""
    title = re.sub(r"\s+(technical report|tech report|model card( addendum)?)\s*$", "", title, flags=re.I)
    head, sep, _ = title.partition(":")
    if name:
        base = slug(name.replace("++", " pp"))
    elif sep and len(head.split()) <= 4 and len(head) <= 40:
        base = slug(head)
    else:
        words = [w for w in slug(title).split("-") if w not in STOPWORDS]
        base = "-".join(words[:5])
    base = base[:64].strip("-") or "paper"
    candidate, n = base, 2
    if candidate in taken and year:
        candidate = f"{base[:59]}-{year}"
    while candidate in taken:
        candidate, n = f"{base[:60]}-{n}", n + 1
    return candidate


def dump_record(rec: dict[str, Any]) -> str:
    """YAML in the catalog's house style: field order, flow lists for ids, folded summary."""
    lines: list[str] = []
    for key, value in rec.items():
        if key in FLOW:
            lines.append(f"{key}: [{', '.join(value)}]")
        elif key == "authors":
            lines.append("authors:")
            lines += [f"  - {_scalar(a)}" for a in value]
        elif key == "modalities":
            lines.append(f"modalities: {{input: [{', '.join(value['input'])}], output: [{', '.join(value['output'])}]}}")
        elif key == "summary":
            lines.append("summary: >-")
            lines += ["  " + ln for ln in _wrap(value, 98)]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    """One YAML scalar; PyYAML quotes any string it would otherwise read as a number, date or bool."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, allow_unicode=True, width=10_000, default_flow_style=True)
    return text.removesuffix("\n...\n").strip()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = " ".join(text.split()).split(" "), [], ""
    for w in words:
        if current and len(current) + 1 + len(w) > width:
            lines.append(current)
            current = w
        else:
            current = f"{current} {w}".strip()
    return lines + ([current] if current else [])


