"""What every record model shares: forbidden extra fields, slug ids, safe URLs."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_MAX = 64
_ID_RE = re.compile(ID_PATTERN)
_URL_RE = re.compile(r"^https?://[^\s/?#<>\"'`\\]+(?:[/?#][^\s<>\"'`\\]*)?$", re.IGNORECASE)

MODALITIES = ("audio", "speech", "music", "image", "video", "text", "3d", "motion", "action")


def check_id(value: str) -> str:
    if len(value) > ID_MAX or not _ID_RE.match(value):
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


Id = Annotated[str, AfterValidator(check_id)]
Url = Annotated[str, AfterValidator(check_url)]
Text = Annotated[str, AfterValidator(check_text), Field(max_length=500)]
Markdown = Annotated[str, AfterValidator(check_text), Field(max_length=20_000)]
Modality = Literal["audio", "speech", "music", "image", "video", "text", "3d", "motion", "action"]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2024-12"])]
Year = Annotated[int, Field(ge=1900, le=2100)]


class Model(BaseModel):
    """Base of every record: unknown fields are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


