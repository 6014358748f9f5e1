"""JSON Schemas: committed, in sync with the models, and agreeing with pydantic on every record."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from pydantic import ValidationError

from avi_atlas.export import json_schemas
from avi_atlas.loader import load_file
from avi_atlas.models import KINDS, Corrections, Taxonomy

from .conftest import REPO

SCHEMAS = REPO / "schemas"
MODELS = {"paper": KINDS["papers"], "dataset": KINDS["datasets"], "benchmark": KINDS["benchmarks"],
          "metric": KINDS["metrics"], "taxonomy": Taxonomy, "corrections": Corrections}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schemas_match_the_models():
    assert {p.name: p.read_text() for p in SCHEMAS.glob("*.schema.json")} == json_schemas(), \
        "run `avi-atlas schema` and commit schemas/"


def test_vscode_maps_every_kind_to_its_schema():
    settings = json.loads((REPO / ".vscode/settings.json").read_text())["yaml.schemas"]
    for name in MODELS:
        assert f"./schemas/{name}.schema.json" in settings


def records():
    for kind, name in (("papers", "paper"), ("datasets", "dataset"), ("benchmarks", "benchmark"), ("metrics", "metric")):
        for path in sorted((REPO / "catalog" / kind).glob("*.yaml")):
            yield name, path
    yield "taxonomy", REPO / "catalog/taxonomy.yaml"
    yield "corrections", REPO / "catalog/corrections.yaml"


def test_standard_validator_and_pydantic_agree_on_every_shipped_record():
    checked = 0
    for name, path in records():
        doc, issues = load_file(path)
        assert not issues
        errors = [e.message for e in validator(name).iter_errors(_jsonable(doc.data))]
        assert errors == [], f"{path}: {errors[:3]}"
        MODELS[name].model_validate(doc.data)
        checked += 1
    assert checked > 700


@pytest.mark.parametrize("name, data", [
    ("paper", {"title": "T", "tasks": ["Bad Id"], "url": "https://e.org"}),
    ("paper", {"title": "T", "tasks": ["x"], "url": "javascript:alert(1)"}),
    ("paper", {"title": "T", "tasks": ["x"], "url": "https://e.org", "bogus": 1}),
    ("paper", {"title": "   ", "tasks": ["x"], "url": "https://e.org"}),
    ("paper", {"title": "T", "tasks": ["x"], "url": "https://e.org", "year": 1800}),
    ("paper", {"title": "T", "tasks": ["x"], "url": "https://e.org", "date": "2024-13"}),
    ("paper", {"title": "T", "tasks": ["x"], "url": "https://e.org", "modalities": {"input": ["smell"]}}),
    ("dataset", {"name": "D", "clips": -3}),
    ("metric", {"name": "M"}),
    ("benchmark", {"name": "B", "tasks": ["t"], "metrics": ["m"], "results": [{"paper": "p", "values": {}, "source": {"paper": "p", "where": "T"}}]}),
])
def test_both_reject_a_bad_record(name, data):
    assert list(validator(name).iter_errors(data)), "JSON Schema accepted it"
    with pytest.raises(ValidationError):
        MODELS[name].model_validate(data)
