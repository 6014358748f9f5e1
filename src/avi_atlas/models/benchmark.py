"""A benchmark: a dataset split, metrics, a protocol, and sourced results."""

from __future__ import annotations

from typing import Annotated

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Id, Markdown, Model, Text, Url, YearMonth


class DatasetSplit(Model):
    dataset: Id = Field(description="Id of the dataset.")
    split: Text | None = Field(default=None, description="Split evaluated on, e.g. test.")


class Source(Model):
    """Where a number was read: a catalog paper, or an official leaderboard."""

    paper: Id | None = Field(default=None, description="Id of the catalog paper that reports the value.")
    url: Url | None = Field(default=None, description="URL of the benchmark's official leaderboard.")
    where: Text = Field(description="Where in the source: 'Table 2', 'abstract', 'README at commit abc1234'.")

    @model_validator(mode="after")
    def _one_source(self) -> "Source":
        if bool(self.paper) == bool(self.url):
            raise PydanticCustomError(
                "invalid-source", "a source names either a 'paper' id or an official leaderboard 'url'", {}
            )
        return self


class Result(Model):
    """One row of a leaderboard."""

    paper: Id | None = Field(default=None, description="Id of the paper whose method is evaluated.")
    system: Text | None = Field(
        default=None, description="Name of the system when it has no paper in the catalog (closed models)."
    )
    variant: Text | None = Field(default=None, description="Model variant or size, e.g. 'L, 44.1 kHz'.")
    values: dict[Id, Annotated[float, Field(allow_inf_nan=False)]] = Field(min_length=1, description="Metric id → value, as printed in the source.")
    source: Source = Field(description="Where the values were read.")
    date: YearMonth | None = Field(
        default=None, description="When the result was first reported (defaults to the paper's date)."
    )
    zero_shot: bool | None = Field(default=None, description="True when evaluated without training on the benchmark.")
    extra_data: bool | None = Field(default=None, description="True when trained with data beyond the benchmark's.")
    notes: Text | None = Field(default=None, description="Protocol caveats the source states.")

    @model_validator(mode="after")
    def _who(self) -> "Result":
        if bool(self.paper) == bool(self.system):
            raise PydanticCustomError(
                "invalid-result", "a result names either a 'paper' id or a 'system' name, not both", {}
            )
        return self


class Benchmark(Model):
    """One benchmark. The file name is its id."""

    name: Text = Field(description="Name as the community uses it, e.g. 'AVSBench S4'.")
    tasks: list[Id] = Field(min_length=1, description="Task leaf ids the benchmark evaluates.")
    datasets: list[DatasetSplit] = Field(default_factory=list, description="Datasets and splits evaluated on.")
    metrics: list[Id] = Field(min_length=1, description="Ids of the metrics reported, main metric first.")
    protocol: Markdown | None = Field(default=None, description="How results are obtained, with caveats (Markdown).")
    paper: Id | None = Field(default=None, description="Id of the paper that defines the benchmark.")
    url: Url | None = Field(default=None, description="Official page or leaderboard.")
    results: list[Result] = Field(default_factory=list, description="Leaderboard rows, each with its source.")
    added: dt.date | None = Field(default=None, description="Date the record entered the catalog (YYYY-MM-DD).")
