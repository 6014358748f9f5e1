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


# The validators give our own error codes; WithJsonSchema states the same rule in the JSON Schema,
# so editors and standard validators agree with `avi-atlas validate`.
Id = Annotated[str, AfterValidator(check_id),
               WithJsonSchema({"type": "string", "pattern": ID_PATTERN, "maxLength": ID_MAX})]
Url = Annotated[str, AfterValidator(check_url),
                WithJsonSchema({"type": "string", "pattern": _URL_RE.pattern, "format": "uri"})]


def text(max_length: int) -> Any:
    """Non-blank text of at most ``max_length`` characters."""
    return Annotated[str, AfterValidator(check_text), Field(max_length=max_length),
                     WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": max_length})]


Text = text(500)
Markdown = text(20_000)
Modality = Literal["audio", "speech", "music", "image", "video", "text", "3d", "motion", "action"]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2024-12"])]
Year = Annotated[int, Field(ge=1900, le=2100)]


class Model(BaseModel):
    """Base of every record: unknown fields are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


