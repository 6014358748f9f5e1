"""Generate a synthetic catalog of N papers (with proportional datasets, benchmarks and results),
shaped like the real one, for measuring validate and build at scale.

    python benchmarks/generate.py 10000 /tmp/catalog-10k
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDS = ("audio visual video sound speech music generation model diffusion transformer learning large "
         "language multimodal omni synchronized talking head foley segmentation retrieval reasoning "
         "benchmark dataset joint unified streaming real-time spatial embodied navigation").split()
MODALITIES = ["audio", "speech", "music", "image", "video", "text"]
METRICS = 40


def leaves(tree: str) -> list[str]:
    import yaml

    data = yaml.safe_load((REPO / "catalog" / "taxonomy.yaml").read_text())
    nodes = data[tree]
    parents = {n.get("parent") for n in nodes}
    return [n["id"] for n in nodes if n["id"] not in parents]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def generate(n: int, out: Path, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for kind in ("papers", "datasets", "benchmarks", "metrics"):
        (out / kind).mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", out / "taxonomy.yaml")
    tasks, methods = leaves("tasks"), leaves("methods")
    n_datasets, n_benchmarks = max(n // 10, 1), max(n // 50, 1)
    for m in range(METRICS):
        (out / "metrics" / f"metric-{m}.yaml").write_text(
            f"name: Metric {m}\nabbreviation: M{m}\nhigher_is_better: {'true' if m % 2 else 'false'}\n"
            f"range: [0, null]\ndefinition: >-\n  {sentence(rng, 40)}.\n")
    for i in range(n):
        year = 2016 + i % 10
        authors = "\n".join(f"  - {sentence(rng, 1)} {sentence(rng, 1)}" for _ in range(rng.randint(3, 10)))
        (out / "papers" / f"paper-{i}.yaml").write_text(
            f'title: "{sentence(rng, 9)}: {i}"\nauthors:\n{authors}\nyear: {year}\ndate: "{year}-{1 + i % 12:02d}"\n'
            f'venue: {rng.choice(["CVPR", "ICCV", "NeurIPS", "ICLR", "arXiv"])}\n'
            f'arxiv: "{year % 100:02d}{1 + i % 12:02d}.{i:05d}"\ncode: https://example.org/code/{i}\n'
            f"tasks: [{', '.join(rng.sample(tasks, 2))}]\nmethods: [{rng.choice(methods)}]\n"
            f"modalities: {{input: [{', '.join(rng.sample(MODALITIES, 2))}], output: [{rng.choice(MODALITIES)}]}}\n"
            f"datasets: [dataset-{rng.randrange(n_datasets)}]\n"
            f"summary: >-\n  {sentence(rng, 45)}.\nadded: 2026-11-{1 + i % 28:02d}\n")
    for d in range(n_datasets):
        (out / "datasets" / f"dataset-{d}.yaml").write_text(
            f"name: Dataset {d}\nyear: {2016 + d % 10}\npaper: paper-{d}\nurl: https://example.org/data/{d}\n"
            f"tasks: [{rng.choice(tasks)}]\nmodalities: [audio, video]\nclips: {rng.randint(1000, 10**6)}\n"
            f"hours: {rng.randint(10, 5000)}\nsummary: >-\n  {sentence(rng, 30)}.\n")
    for b in range(n_benchmarks):
        ms = rng.sample(range(METRICS), 3)
        rows = []
        for r in rng.sample(range(n), min(20, n)):
            values = ", ".join(f"metric-{m}: {rng.uniform(0, 100):.2f}" for m in ms)
            rows.append(f"  - paper: paper-{r}\n    values: {{{values}}}\n"
                        f"    source: {{paper: paper-{r}, where: Table {rng.randint(1, 5)}}}\n")
        (out / "benchmarks" / f"benchmark-{b}.yaml").write_text(
            f"name: Benchmark {b}\ntasks: [{rng.choice(tasks)}]\ndatasets:\n  - {{dataset: dataset-{b % n_datasets}, split: test}}\n"
            f"metrics: [{', '.join(f'metric-{m}' for m in ms)}]\nprotocol: >-\n  {sentence(rng, 40)}.\n"
            "results:\n" + "".join(rows))
    return {"papers": n, "datasets": n_datasets, "benchmarks": n_benchmarks, "metrics": METRICS}


if __name__ == "__main__":
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))
