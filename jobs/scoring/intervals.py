"""Bootstrap confidence intervals over hidden test items.

Every job of a benchmark is resampled with the *same* seeded resamples (the
hidden test set is fixed, so the item count is too). That makes the
comparison of two entries a paired bootstrap: the difference is computed
resample by resample, and an entry is marked "≈" when the 95% interval of its
difference to the entry above contains zero.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from django.conf import settings

from benchmarks.base import Benchmark, Score

N_RESAMPLES = 1000
SEED = 20261123
LEVEL = 0.95


def counts_matrix(n_items: int, *, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """How often each item is drawn in each resample: shape (n_resamples, n_items)."""
    rng = np.random.default_rng([seed, n_items])
    return rng.multinomial(n_items, np.full(n_items, 1.0 / n_items), size=n_resamples).astype(np.float64)


def _n_items(items: dict) -> int:
    return len(next(iter(items.values())))


def resampled(benchmark: Benchmark, items: dict) -> np.ndarray:
    return np.asarray(benchmark.resample_primary(items, counts_matrix(_n_items(items))), dtype=np.float64)


def interval(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    alpha = (1 - LEVEL) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return float(low), float(high)


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Paired bootstrap: is the difference a − b significantly non-zero?"""
    low, high = interval(a - b)
    return not (low <= 0.0 <= high)


def items_path(job_id, part: str) -> Path:
    return settings.DATA_DIR / "results" / str(job_id) / f"{part}_items.npz"


def load_items(job_id, part: str = "public") -> dict | None:
    path = items_path(job_id, part)
    if not path.exists():
        return None
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def score_fields(benchmark: Benchmark, score: Score, *, job_id) -> dict:
    """Job fields to save for a score, with intervals; stores per-item data."""
    fields = {
        "metrics": _clean(score.metrics),
        "private_metrics": _clean(score.private_metrics),
        "score_notes": dict(score.notes),
    }
    for part, items, prefix in (("public", score.items, "primary"), ("private", score.private_items, "private")):
        if not items:
            continue
        path = items_path(job_id, part)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **items)
        low, high = interval(resampled(benchmark, items))
        fields[f"{prefix}_ci_low"], fields[f"{prefix}_ci_high"] = _finite_or_none(low), _finite_or_none(high)
    return fields


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _clean(metrics: dict) -> dict:
    """JSON has no NaN/inf: store them as None (shown "—", ranked last)."""
    cleaned = {}
    for key, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            cleaned[key] = None
            continue
        cleaned[key] = number if math.isfinite(number) else None
    return cleaned
