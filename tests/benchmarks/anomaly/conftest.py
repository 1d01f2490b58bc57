"""Shared fixtures: one tiny synthetic category, prepared once per session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.anomaly import synthetic
from benchmarks.anomaly.benchmark import AnomalyBenchmark


def tiny_benchmark(category: str = "gravel", seed: int = 0, primary_metric: str = "image_auc") -> AnomalyBenchmark:
    return AnomalyBenchmark(
        slug=f"anomaly-{category}",
        title=category,
        category=category,
        load=lambda: synthetic.generate(category, "tiny", seed),
        source={"kind": "synthetic", "category": category, "size": "tiny"},
        seed=seed,
        primary_metric=primary_metric,
    )


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> tuple[AnomalyBenchmark, Path, Path]:
    root = tmp_path_factory.mktemp("anomaly")
    benchmark = tiny_benchmark()
    benchmark.prepare(root / "public", root / "hidden")
    return benchmark, root / "public", root / "hidden"


def public_test_ids(public_dir: Path) -> list[str]:
    return json.loads((public_dir / "dataset.json").read_text())["test_ids"]


def write_predictions(out: Path, ids, scores, maps, **extra) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "predictions.npz", ids=np.asarray(ids), scores=np.asarray(scores), maps=np.asarray(maps), **extra)
    return out


def oracle_predictions(hidden_dir: Path, out: Path, noise: float = 0.0, seed: int = 0) -> Path:
    """Predictions built from the hidden masks (plus optional noise)."""
    truth = json.loads((hidden_dir / "ground_truth.json").read_text())
    rng = np.random.default_rng(seed)
    with np.load(hidden_dir / "masks.npz") as masks:
        ids = [item["id"] for item in truth["items"]]
        maps = np.stack([masks[i].astype(np.float32) for i in ids]) + noise * rng.random(
            (len(ids), *masks[ids[0]].shape)
        )
    return write_predictions(out, ids, maps.reshape(len(ids), -1).max(axis=1), maps.astype(np.float32))


def read_png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)
