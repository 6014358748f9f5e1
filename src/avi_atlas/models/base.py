"""What every record model shares: forbidden extra fields, slug ids, safe URLs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_MAX = 64
_ID_RE = re.compile(ID_PATTERN)
_URL_RE = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#<>\"'`\\]+(?:[/?#][^\s<>\"'`\\]*)?$")

MODALITIES = ("audio", "speech", "music", "image", "video", "text", "3d", "motion", "action")


def is_id(value: str) -> bool:
    """A lowercase slug of at most ID_MAX characters: the shape of every id and record file name."""
    return len(value) <= ID_MAX and bool(_ID_RE.match(value))


def is_url(value: str) -> bool:
    """An http(s) URL of the shape links accept (no spaces, quotes or angle brackets)."""
    return bool(_URL_RE.match(value))


def check_id(value: str) -> str:
    if not is_id(value):
        raise PydanticCustomError(
            "invalid-id",
            "'{value}' is not a valid id: use lowercase letters, digits and single hyphens, "
            "at most {max} characters (e.g. 'av-hubert')",
            {"value": value, "max": ID_MAX},
        )
    return value


def check_url(value: str) -> str:
    if not _URL_RE.match(value):
        raise PydanticCustomError(
            "unsafe-url",
            "'{value}' is not an http(s) URL; links must start with https:// or http://",
            {"value": value[:200]},
        )
    return value


def check_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty-value", "must not be empty", {})
    return value


# An HTML tag, comment or processing instruction: '<b', '</b', '<img src=…', '<!--', '<?'. Text from records
# is escaped on every page anyway; refusing markup at validation keeps it out of exports and feeds too.
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|<!--|<\?|<!\[CDATA\[|<![A-Za-z]")
# Markdown autolinks '<scheme:…>', inline link/image targets '](…)', reference definitions '[x]: …'
_AUTOLINK_RE = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_INLINE_LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]*)")
_REF_DEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]*)", re.M)


def markup_problem(value: str, markdown: bool) -> PydanticCustomError | None:
    """Why ``value`` is unsafe as record text: HTML markup; in Markdown also images and non-http(s) links."""
    tag = _TAG_RE.search(_AUTOLINK_RE.sub("", value))
    if tag:
        return PydanticCustomError(
            "raw-html", "contains HTML markup ({tag}…); records hold plain text (and Markdown in summaries)",
            {"tag": tag.group(0)[:20]})
    if not markdown:
        return None
    if "![" in value:
        return PydanticCustomError("markdown-image",
                                   "images are not allowed in Markdown fields; link to the page instead", {})
    for pattern in (_AUTOLINK_RE, _INLINE_LINK_RE, _REF_DEF_RE):
        for m in pattern.finditer(value):
            if not _URL_RE.match(m.group(1)):
                return PydanticCustomError(
                    "unsafe-url",
                    "link target '{value}' is not an http(s) URL; links must start with https:// or http://",
                    {"value": m.group(1)[:200]})
    return None


def check_plain(max_length: int, markdown: bool = False):
    """Validator for text of at most ``max_length`` characters, free of markup."""
    def check(value: str) -> str:
        check_text(value)
        if len(value) > max_length:
            raise PydanticCustomError(
                "too-long", "is {n} characters long; at most {max} are allowed", {"n": len(value), "max": max_length})
        problem = markup_problem(value, markdown)
        if problem:
            raise problem
        return value
    return check


# The validators give our own error codes; WithJsonSchema states the same rule in the JSON Schema,
# so editors and standard validators agree with `avi-atlas validate`.
Id = Annotated[str, AfterValidator(check_id),
               WithJsonSchema({"type": "string", "pattern": ID_PATTERN, "maxLength": ID_MAX})]
Url = Annotated[str, AfterValidator(check_url),
                WithJsonSchema({"type": "string", "pattern": _URL_RE.pattern, "format": "uri"})]


def text(max_length: int) -> Any:
    """Non-blank plain text (no HTML markup) of at most ``max_length`` characters."""
    return Annotated[str, AfterValidator(check_plain(max_length)),
                     WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": max_length,
                                     "not": {"pattern": _TAG_RE.pattern}})]


Text = text(500)
Markdown = Annotated[str, AfterValidator(check_plain(20_000, markdown=True)),
                     WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": 20_000,
                                     "not": {"pattern": _TAG_RE.pattern}})]
Modality = Literal["audio", "speech", "music", "image", "video", "text", "3d", "motion", "action"]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2024-12"])]
Year = Annotated[int, Field(ge=1900, le=2100)]


class Model(BaseModel):
    """Base of every record: unknown fields are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


