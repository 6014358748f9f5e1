"""A paper (or another citable work: a technical report, a model card, a product page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Id, Markdown, Modality, Model, Text, Url, Year, YearMonth, text

ARXIV_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z][a-z.-]+(\.[A-Z]{2})?/\d{7})$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"


class Modalities(Model):
    input: list[Modality] = Field(
        default_factory=list, description="Modalities the work takes in (fixed vocabulary)."
    )
    output: list[Modality] = Field(
        default_factory=list, description="Modalities the work produces (fixed vocabulary)."
    )


class Paper(Model):
    """One published work. The file name is its id."""

    title: Text = Field(description="Title exactly as published, capitalisation included.")
    name: text(80) | None = Field(
        default=None,
        description="Short name of the method, model or dataset the work is known by (e.g. AV-HuBERT), "
        "when the title does not start with it.",
    )
    kind: Literal["paper", "technical-report", "model-card", "blog-post", "product-page"] = Field(
        default="paper",
        description="What the work is: a paper, or a technical report, model card, blog post or "
        "product page for works without a paper.",
    )
    authors: list[text(200)] = Field(
        default_factory=list,
        description='Full author list in the paper\'s order, as "Given Family", in Unicode.',
    )
    authors_complete: bool = Field(
        default=True,
        description="False when only the first authors are known; pages then add 'et al.'.",
    )
    year: Year | None = Field(
        default=None, description="Year of the venue if published at one, else of the first arXiv version."
    )
    date: YearMonth | None = Field(
        default=None, description="First public version as YYYY-MM (used for timelines)."
    )
    venue: Text | None = Field(
        default=None,
        description="Peer-reviewed venue in the catalog's spelling (CVPR, NeurIPS, ACM MM, …), "
        "or 'arXiv' for a preprint.",
    )
    arxiv: Annotated[str, Field(pattern=ARXIV_PATTERN)] | None = Field(
        default=None, description="arXiv identifier without version, e.g. 2201.02184."
    )
    doi: Annotated[str, Field(pattern=DOI_PATTERN, max_length=200)] | None = Field(
        default=None, description="Digital Object Identifier, e.g. 10.1109/CVPR52729.2023.01457."
    )
    url: Url | None = Field(default=None, description="Canonical page of the work when it has no arXiv id or DOI.")
    code: Url | None = Field(default=None, description="Official code repository.")
    project: Url | None = Field(default=None, description="Official project page.")
    tasks: list[Id] = Field(
        default_factory=list,
        description="Task leaf ids of the taxonomy (a paper lists at least one task or method).",
    )
    methods: list[Id] = Field(
        default_factory=list,
        description="Method leaf ids of the taxonomy (a paper lists at least one task or method).",
    )
    challenges: list[Id] = Field(default_factory=list, description="Open-challenge ids the work addresses.")
    modalities: Modalities | None = Field(default=None, description="Input and output modalities.")
    datasets: list[Id] = Field(
        default_factory=list, description="Ids of datasets the work trains or evaluates on."
    )
    backbone: text(120) | None = Field(
        default=None, description="Backbone language model or generator the work builds on, e.g. Qwen2-7B."
    )
    encoders: list[text(120)] = Field(
        default_factory=list, description="Audio and visual encoders it uses, e.g. Whisper, SigLIP."
    )
    parameters: Annotated[float, Field(gt=0, le=10_000)] | None = Field(
        default=None, description="Total parameter count of the main model, in billions (0.157 for 157M)."
    )
    open_weights: bool | None = Field(default=None, description="True when the trained weights are public.")
    training_data: list[Id] = Field(
        default_factory=list, description="Ids of the datasets the model is trained on."
    )
    summary: Markdown | None = Field(
        default=None, description="One or two sentences in our own words (Markdown, no raw HTML)."
    )
    unverified: bool = Field(
        default=False,
        description="True while no source has confirmed the record: it is known only from a reference "
        "list, so only its title (as listed) and taxonomy placement are given.",
    )
    added: dt.date | None = Field(default=None, description="Date the record entered the catalog (YYYY-MM-DD).")

    @classmethod
    def record_problems(cls, data: dict) -> list[tuple[str, str]]:
        """Rules on the record as a whole (also checked when some fields are wrong, so all show at once)."""
        problems = []
        if not (data.get("tasks") or data.get("methods")):
            problems.append(("no-task-or-method", "a paper needs at least one task or method id ('tasks:' or 'methods:')"))
        if not (data.get("arxiv") or data.get("doi") or data.get("url") or data.get("unverified")):
            problems.append(("missing-identifier", "a paper needs at least one of 'arxiv', 'doi' or 'url'"))
        return problems

    @model_validator(mode="after")
    def _whole_record(self) -> "Paper":
        for code, message in self.record_problems(self.__dict__):
            raise PydanticCustomError(code, message, {})
        return self
