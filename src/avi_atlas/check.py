"""Check raw YAML data against a record model; turn pydantic's errors into Issues.

Every pydantic error carries a location such as ``("results", 2, "values")``;
the loaded :class:`~avi_atlas.loader.Document` knows the line and column of
that node, so each error points at the exact spot in the YAML file.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from .issues import Issue
from .loader import Document, Loc

# pydantic error type → our stable code (custom errors carry our code as their type)
_TYPE_CODES = {
    "missing": "missing-field",
    "extra_forbidden": "unknown-field",
    "literal_error": "invalid-value",
    "enum": "invalid-value",
    "string_pattern_mismatch": "invalid-format",
    "too_short": "too-short",
    "too_long": "too-long",
    "string_too_long": "too-long",
    "string_too_short": "too-short",
    "greater_than_equal": "out-of-range",
    "less_than_equal": "out-of-range",
    "greater_than": "out-of-range",
    "less_than": "out-of-range",
}

_EXPECTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "text",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
    "date": "a date (YYYY-MM-DD)",
    "tuple": "a list",
}

_FORMATS = {
    "arxiv": "an arXiv id such as 2201.02184 (no 'arXiv:' prefix, no version)",
    "doi": "a DOI such as 10.1109/CVPR.2022.01234 (no https://doi.org/ prefix)",
    "date": "a year and month as YYYY-MM, e.g. 2024-12",
}


def field_path(loc: Loc) -> str:
    """``("results", 2, "values", "fad")`` → ``results[2].values.fad``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = {int: "number", float: "number", str: "text"}.get(type(value), type(value).__name__)
    return f"{text} ({kind})"


def _model_fields(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names allowed at ``loc`` (for did-you-mean on unknown fields)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found:
            return found
    return None


def did_you_mean(value: str, choices: list[str] | Any) -> str:
    match = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def issue_for(error: dict, doc: Document, model: type[BaseModel], kind: str) -> Issue:
    etype: str = error["type"]
    loc: Loc = tuple(error["loc"])
    field = field_path(loc)
    code = _TYPE_CODES.get(etype)
    value = error.get("input")
    hint = ""
    if etype == "missing":
        name = loc[-1] if loc else "?"
        line, col = doc.where(loc[:-1])
        message = f"required field '{name}' is missing"
        field = field_path(loc[:-1])
        hint = f"add `{name}:` to the {'record' if len(loc) == 1 else 'entry'}"
    elif etype == "extra_forbidden" and loc == ("id",):
        code = "id-field"
        line, col = doc.where(loc, key=True)
        rid = doc.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        message = f"records have no `id:` field; the file name is the id ('{rid}')"
        hint = f"delete the `id:` line; to change the id, rename the file to {value}.yaml" if isinstance(value, str) \
            else "delete the `id:` line"
    elif etype == "extra_forbidden":
        name = loc[-1]
        line, col = doc.where(loc, key=True)
        allowed = _model_fields(model, loc[:-1])
        message = f"'{name}' is not a field of a {kind}{did_you_mean(name, allowed)}"
        field = field_path(loc[:-1])
        if allowed and not did_you_mean(name, allowed):
            hint = "allowed fields: " + ", ".join(allowed)
    elif etype.endswith("_type") or etype.endswith("_parsing") or etype == "model_attributes_type":
        code = "wrong-type"
        base = etype.split("_")[0]
        expected = _EXPECTED.get(base, base)
        line, col = doc.where(loc)
        message = f"expected {expected}, got {_describe(value)}"
        if base == "list" and isinstance(value, str):
            hint = f"write a list: `[{value}]` or one `- item` per line"
    elif etype == "literal_error":
        line, col = doc.where(loc)
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ", ").split(",")]
        message = f"{_describe(value)} is not one of: {', '.join(choices)}{did_you_mean(value, choices)}"
    elif etype == "string_pattern_mismatch":
        line, col = doc.where(loc)
        fmt = _FORMATS.get(str(loc[-1]) if loc else "", "the expected format")
        message = f"{_describe(value)} is not {fmt}"
    elif code is None and "-" in etype:  # our own PydanticCustomError types
        code = etype
        line, col = doc.where(loc)
        message = error["msg"]
    else:
        line, col = doc.where(loc)
        message = error["msg"][0].lower() + error["msg"][1:]
        if value is not None and not isinstance(value, (dict, list)):
            message += f", got {_describe(value)}"
        code = code or "invalid-value"
    return Issue(doc.file, line, col, code, message, field=field, hint=hint)


def check(doc: Document, model: type[BaseModel], kind: str) -> tuple[BaseModel | None, list[Issue]]:
    """Validate ``doc.data`` against ``model``; return the model or the issues."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        issues = [issue_for(e, doc, model, kind) for e in exc.errors(include_url=False)]
    # rules on the whole record run only when every field is valid: report them now too
    whole = getattr(model, "record_problems", None)
    if whole and isinstance(doc.data, dict):
        seen = {i.code for i in issues}
        line, col = doc.where(())
        issues += [Issue(doc.file, line, col, code, message) for code, message in whole(doc.data) if code not in seen]
    return None, issues
