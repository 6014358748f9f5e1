"""An evaluation metric: what it measures and which way is better."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Id, Markdown, Model, Text


class Metric(Model):
    """One metric. The file name is its id."""

    name: Text = Field(description="Full name, e.g. Fréchet Audio Distance.")
    abbreviation: Text | None = Field(default=None, description="Short name used in tables, e.g. FAD.")
    higher_is_better: bool = Field(description="True when a larger value is better.")
    range: tuple[float | None, float | None] | None = Field(
        default=None, description="[min, max] a value can take; null for an open end."
    )
    unit: Text | None = Field(default=None, description="Unit of values, e.g. % or s; empty when unitless.")
    definition: Markdown | None = Field(
        default=None, description="What the metric measures, in our own words (Markdown; formulas welcome)."
    )
    caveats: Markdown | None = Field(default=None, description="What the metric misses or how it misleads.")
    paper: Id | None = Field(default=None, description="Id of the paper that introduces the metric.")
    added: dt.date | None = Field(default=None, description="Date the record entered the catalog (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _range_ordered(self) -> "Metric":
        if self.range and None not in self.range and self.range[0] > self.range[1]:
            raise PydanticCustomError("invalid-range", "range minimum is greater than its maximum", {})
        return self

    def in_range(self, value: float) -> bool:
        if not self.range:
            return True
        low, high = self.range
        return (low is None or value >= low) and (high is None or value <= high)
