"""A dataset: the data itself, with size facts as numbers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from .base import Id, Markdown, Modality, Model, Text, Url, Year, text

Count = Annotated[int, Field(ge=0)]


class Dataset(Model):
    """One dataset. The file name is its id."""

    name: Text = Field(description="Name as its authors write it.")
    year: Year | None = Field(default=None, description="Year of release (of the introducing paper).")
    paper: Id | None = Field(default=None, description="Id of the paper that introduces the dataset.")
    url: Url | None = Field(default=None, description="Official homepage or download page.")
    license: Text | None = Field(default=None, description="Licence of the data, as stated by its authors.")
    tasks: list[Id] = Field(default_factory=list, description="Task leaf ids the dataset serves.")
    modalities: list[Modality] = Field(default_factory=list, description="Modalities the data holds.")
    clips: Count | None = Field(default=None, description="Number of clips.")
    videos: Count | None = Field(default=None, description="Number of source videos.")
    hours: Annotated[float, Field(ge=0)] | None = Field(default=None, description="Total duration in hours.")
    classes: Count | None = Field(default=None, description="Number of classes or categories.")
    qa_pairs: Count | None = Field(default=None, description="Number of question-answer pairs.")
    utterances: Count | None = Field(default=None, description="Number of utterances or sentences.")
    speakers: Count | None = Field(default=None, description="Number of distinct speakers or identities.")
    images: Count | None = Field(default=None, description="Number of images or frames annotated.")
    splits: dict[text(40), Count] = Field(
        default_factory=dict, description="Split name → number of items (as the source counts them)."
    )
    domain: Text | None = Field(default=None, description="Where the data comes from, in a few words.")
    summary: Markdown | None = Field(default=None, description="One or two sentences in our own words.")
    added: dt.date | None = Field(default=None, description="Date the record entered the catalog (YYYY-MM-DD).")
