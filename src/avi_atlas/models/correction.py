"""A logged correction of a reference list: what it said, what the catalog has, and why."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Id, Model, Text

Value = str | int | float | None


class Correction(Model):
    record: Id = Field(description="Id of the corrected paper record.")
    field: Annotated[str, Field(max_length=40)] = Field(description="Field corrected, e.g. arxiv, venue, title.")
    listed: Value = Field(default=None, description="Value the reference list gave.")
    corrected: Value = Field(default=None, description="Value the catalog holds (null: dropped as unconfirmed).")
    list: Text = Field(description="Which reference list was wrong, e.g. survey-list.tsv.")
    row: int | None = Field(default=None, description="Row of the list (1-based, header excluded).")
    evidence: Text | None = Field(default=None, description="Where the corrected value was seen (URL or repo:path@commit).")


class Corrections(Model):
    corrections: list[Correction] = Field(default_factory=list, description="Every logged correction.")
