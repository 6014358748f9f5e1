"""Load YAML files into plain data, remembering where every node stands.

YAML is parsed safely (libyaml's C parser when present) into a node tree, which
we then walk ourselves.  Walking the nodes rather than letting PyYAML construct
objects lets us:

* report duplicate keys (PyYAML silently keeps the last one),
* refuse tags other than YAML's plain types (``!!python/object`` and friends),
* refuse anchors and aliases (so an exponential "billion laughs" never expands),
* bound nesting depth, and
* record the line and column of every key and value, so that any later error
  (schema or cross-record) can point at ``file:line:col``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .issues import Issue

Loc = tuple  # a path into the data: ("results", 2, "values", "fad")

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_VALUE_TAG = _TAG + "value"  # a bare '=' resolves to this; read it as a string
_STR_TAG = _TAG + "str"
_MAP_TAG = _TAG + "map"
_SEQ_TAG = _TAG + "seq"


@dataclass
class Document:
    """One YAML file as plain data plus the position of every node."""

    file: str
    data: Any
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def where(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the node at ``loc``, or of its nearest ancestor.

        With ``key=True`` the position of the mapping key is preferred (for
        "unknown field" errors the key is what is wrong, not its value).
        """
        loc = tuple(loc)
        if key and loc in self.key_positions:
            return self.key_positions[loc]
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))


class LazyDocument(Document):
    """A document whose file was unchanged since it last checked clean (see cache.py): its data is
    not needed, and its positions are read from the file only when something asks for them."""

    def __init__(self, file: str, path: Path | str):  # no dicts made up front: most are never read
        self.file, self.data, self._path = file, None, path

    def __getattr__(self, name: str) -> Any:  # only for attributes not yet set
        if name not in ("positions", "key_positions", "issues"):
            raise AttributeError(name)
        self.positions, self.key_positions, self.issues = {}, {}, []
        doc, _ = load_file(self._path, self.file)
        if doc is not None:
            self.positions, self.key_positions = doc.positions, doc.key_positions
        return self.__dict__[name]


class _Refused(Exception):
    def __init__(self, code: str, message: str, mark: yaml.Mark | None, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.mark, self.hint = code, message, mark, hint


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def load_file(path: Path | str, display: str | None = None) -> tuple[Document | None, list[Issue]]:
    """Read and parse one YAML file. Returns the document, or ``None`` and the issues."""
    name = display or str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        return None, [Issue(name, 1, 1, "unreadable-file", f"cannot read file: {exc.strerror or exc}")]
    return load_bytes(raw, name)


def load_bytes(raw: bytes, name: str) -> tuple[Document | None, list[Issue]]:
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            Issue(name, 1, 1, "file-too-large",
                  f"file is {len(raw):,} bytes; a record may be at most {MAX_FILE_BYTES:,} bytes",
                  hint="records hold facts and a short summary; move long text elsewhere")
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [
            Issue(name, 1, 1, "byte-order-mark", "file starts with a UTF-8 byte-order mark",
                  hint="save the file as UTF-8 without BOM")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = _line_col(good, len(good))
        return None, [
            Issue(name, line, col, "not-utf8",
                  f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                  hint="save the file as UTF-8")
        ]
    return load_text(text, name)


def load_text(text: str, name: str) -> tuple[Document | None, list[Issue]]:
    if "\x00" in text:
        line, col = _line_col(text, text.index("\x00"))
        return None, [Issue(name, line, col, "not-utf8", "file contains a NUL character; is it a binary file?")]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [Issue(name, 1, 1, "empty-file", "file is empty; a record is a YAML mapping of fields",
                            hint="write the record's fields (see README, 'Record format'), or delete the file")]
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_issue(name, text, exc)]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reports marks for all we know
        return None, [Issue(name, 1, 1, "yaml-syntax", str(exc))]
    except RecursionError:
        return None, [Issue(name, 1, 1, "yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels")]
    if node is None:
        return None, [Issue(name, 1, 1, "empty-file", "file holds no YAML document")]
    doc = Document(name, None)
    try:
        doc.data = _walk(node, (), doc, set(), 0)
    except _Refused as exc:
        line, col = _pos(exc.mark) if exc.mark else (1, 1)
        return None, doc.issues + [Issue(name, line, col, exc.code, exc.message, hint=exc.hint)]
    if doc.issues:
        return None, doc.issues
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [Issue(name, *doc.where(()), "not-a-mapping",
                            f"the file holds {kind}; a record must be a mapping of field: value",
                            hint="start the file with `title: ...` (papers) or `name: ...`")]
    return doc, []


def _syntax_issue(name: str, text: str, exc: yaml.MarkedYAMLError) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    line, col = _pos(mark) if mark else (0, 0)
    problem = (exc.problem or "invalid YAML").strip()
    message = f"YAML syntax error: {problem}"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        cl, cc = _pos(exc.context_mark)
        message += f" ({exc.context} at {cl}:{cc})"
    hint = ""
    bad_line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in bad_line[: mark.column + 1] if mark else False:
        if "tab" not in problem:
            message += " (a tab character)"
        hint = "YAML does not allow tabs for indentation; indent with spaces"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ', e.g. title: \"A: B\""
    elif "expected a single document" in (exc.context or ""):
        hint = "a record file holds one document; remove the extra '---'"
    return Issue(name, line, col, "yaml-syntax", message, hint=hint)


def _walk(node: yaml.Node, loc: Loc, doc: Document, seen: set[int], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Refused("yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
    if id(node) in seen:
        # an alias node carries its anchor's position; point at the key that uses it instead
        line, col = doc.key_positions.get(loc) or doc.where(loc[:-1])
        raise _Refused("yaml-alias", "anchors and aliases (&name / *name) are not allowed in records",
                       yaml.Mark("", 0, line - 1, col - 1, None, None), hint="write the value out in full")
    seen.add(id(node))
    mark = node.start_mark
    doc.positions[loc] = (mark.line + 1, mark.column + 1)
    tag = node.tag
    if tag == _STR_TAG:  # the common case, read without the constructor
        return node.value
    if isinstance(node, yaml.ScalarNode):
        if tag == _VALUE_TAG:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise _Refused("yaml-tag", f"tag '{_short(node.tag)}' is not allowed; use plain values",
                           node.start_mark, hint="remove the '!' tag")
        try:
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except (ValueError, yaml.constructor.ConstructorError, OverflowError):
            raise _Refused("yaml-syntax", f"cannot read {_short(node.tag)} value {node.value!r}",
                           node.start_mark)
        if isinstance(value, _dt.datetime):
            value = value.date() if value.time() == _dt.time() else value
        return value
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _Refused("yaml-tag", f"tag '{_short(node.tag)}' is not allowed", node.start_mark)
        return [_walk(child, loc + (i,), doc, seen, depth + 1) for i, child in enumerate(node.value)]
    if node.tag != _MAP_TAG:
        raise _Refused("yaml-tag", f"tag '{_short(node.tag)}' is not allowed", node.start_mark,
                       hint="'<<' merge keys and '!' tags are not supported; write the fields out")
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
            raise _Refused("invalid-key", "a mapping key must be a plain name", key_node.start_mark,
                           hint="'<<' merge keys, '!' tags and complex keys are not supported")
        key = key_node.value
        if key in out:
            first = doc.key_positions[loc + (key,)]
            line, col = _pos(key_node.start_mark)
            doc.issues.append(Issue(doc.file, line, col, "duplicate-key",
                                    f"key '{key}' appears twice in one mapping (first at line {first[0]})",
                                    hint="keep one of them"))
            continue
        doc.key_positions[loc + (key,)] = _pos(key_node.start_mark)
        out[key] = _walk(value_node, loc + (key,), doc, seen, depth + 1)
    return out


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
