"""`avi-atlas new`: a record with every field, each with a comment saying what goes there.

The text is generated from the models (field order, descriptions, which are
required), so a new field never goes missing from the scaffold.
"""

from __future__ import annotations

import datetime as dt
import typing

from pydantic import BaseModel

from .models import KINDS, SINGULAR

KIND_OF = {v: k for k, v in SINGULAR.items()}
SKIP = {"unverified"}  # set only by the survey import

EXAMPLES = {
    ("papers", "modalities"): "{input: [], output: []}   # e.g. {input: [video, text], output: [audio]}",
    ("papers", "tasks"): "[]   # e.g. [video-to-audio]; ids are listed on the site's Tasks page",
    ("papers", "methods"): "[]   # e.g. [diffusion]",
    ("papers", "date"): '   # e.g. "2024-12"',
    ("papers", "arxiv"): '   # e.g. "2412.15322"',
    ("benchmarks", "datasets"): "[]   # e.g. [{dataset: vggsound, split: test}]",
    ("benchmarks", "metrics"): "[]   # e.g. [fad, kl]; the first ranks the leaderboard",
    ("metrics", "higher_is_better"): "true   # or false",
    ("metrics", "range"): "[0, null]   # [min, max]; null for an open end",
    ("datasets", "splits"): "{}   # e.g. {train: 1000, test: 200}",
}

RESULTS_EXAMPLE = """results: []
# One entry per leaderboard row; every number names where it was read:
#  - paper: mmaudio                     # or system: "Name" for a method without a record
#    values: {fad: 1.23}                # metric id -> value, exactly as printed
#    source: {paper: mmaudio, where: "Table 1"}   # or {url: https://..., where: "README at commit abc1234"}
#    notes: "zero-shot; 44.1 kHz model"   # caveats the source states"""


def _is_list(annotation: typing.Any) -> bool:
    return typing.get_origin(annotation) is list or any(
        typing.get_origin(a) is list for a in typing.get_args(annotation))


def _placeholder(kind: str, name: str, info: typing.Any, today: dt.date) -> str:
    if (kind, name) in EXAMPLES:
        return EXAMPLES[(kind, name)]
    if name == "added":
        return today.isoformat()
    if _is_list(info.annotation):
        return "[]"
    if typing.get_origin(info.annotation) is dict:
        return "{}"
    if info.is_required():
        return '""'
    default = info.get_default(call_default_factory=True)
    if isinstance(default, bool):
        return str(default).lower()
    return default if isinstance(default, str) else ""


def scaffold(kind: str, today: dt.date | None = None) -> str:
    """The text of a new record of ``kind`` (papers, datasets, benchmarks or metrics)."""
    model: type[BaseModel] = KINDS[kind]
    today = today or dt.date.today()
    lines = [
        f"# A new {SINGULAR[kind]}. Fill in what a source (the arXiv page, the official repository) shows;",
        "# delete a line you cannot check rather than guess. `avi-atlas validate` says what is still wrong.",
        "",
    ]
    for name, info in model.model_fields.items():
        if name in SKIP:
            continue
        required = " (required)" if info.is_required() else ""
        lines.append(f"# {name}{required}: {info.description}")
        if kind == "benchmarks" and name == "results":
            lines.append(RESULTS_EXAMPLE)
        else:
            lines.append(f"{name}: {_placeholder(kind, name, info, today)}".rstrip())
    if kind == "papers":
        lines.insert(3, "# A paper needs at least one task or method, and one of arxiv, doi or url.")
    return "\n".join(lines) + "\n"
