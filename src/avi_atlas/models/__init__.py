"""Pydantic models, one per record kind, plus the taxonomy."""

from .base import ID_PATTERN, MODALITIES, Model, is_id
from .benchmark import Benchmark, DatasetSplit, Result, Source
from .correction import Correction, Corrections
from .dataset import Dataset
from .metric import Metric
from .paper import Modalities, Paper
from .taxonomy import Node, Taxonomy

#: record kinds: folder name under catalog/ → model
KINDS: dict[str, type[Model]] = {
    "papers": Paper,
    "datasets": Dataset,
    "benchmarks": Benchmark,
    "metrics": Metric,
}
#: folder name → the word for one record: papers → paper
SINGULAR: dict[str, str] = {kind: kind[:-1] for kind in KINDS}

__all__ = [
    "ID_PATTERN", "KINDS", "MODALITIES", "SINGULAR", "is_id", "Benchmark", "Correction", "Corrections", "Dataset", "DatasetSplit", "Metric",
    "Modalities", "Model", "Node", "Paper", "Result", "Source", "Taxonomy",
]
