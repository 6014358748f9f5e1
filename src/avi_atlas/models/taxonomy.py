"""The survey's taxonomy: tasks (pillars → groups → leaves), methods, challenges."""

from __future__ import annotations

from pydantic import Field

from .base import Id, Markdown, Model, Text


class Node(Model):
    id: Id = Field(description="Stable id, part of the node's URL.")
    name: Text = Field(description="Name as the survey gives it.")
    aliases: list[Text] = Field(default_factory=list, description="Other names the node goes by.")
    parent: Id | None = Field(default=None, description="Id of the parent node; none for a root.")
    description: Markdown | None = Field(default=None, description="A short description in our own words.")


class Taxonomy(Model):
    tasks: list[Node] = Field(description="Task tree: pillars, groups and leaves.")
    methods: list[Node] = Field(default_factory=list, description="Method tree: families and leaves.")
    challenges: list[Node] = Field(default_factory=list, description="Open challenges (no parents).")
