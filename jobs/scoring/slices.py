"""Per-slice results of a job: the primary metric on each slice a benchmark declares, with its interval.

A benchmark names its slices (``Benchmark.slices``: anomaly defect types, maze path-length bins) as rows of
the per-item arrays stored with each job (``intervals.items_path``). The value is the primary metric on
those items; the 95% interval resamples those items alone, with the same seeded resamples for every job of
the benchmark (so two jobs' slices compare as a paired bootstrap). Only the primary metric has per-item
data; the other metrics exist for the whole part only.

Which part a caller may ask for is the caller's rule (the private part only after the reveal).
"""

from __future__ import annotations

import math

import numpy as np
from django.core.cache import cache

from benchmarks import registry
from benchmarks.base import Benchmark, Slice
from jobs.models import Job
from jobs.scoring import intervals


def subset(items: dict, rows: np.ndarray) -> dict:
    return {key: np.asarray(value)[rows] for key, value in items.items()}


def slice_samples(benchmark: Benchmark, items: dict, piece: Slice) -> tuple[float, np.ndarray]:
    """The slice's primary value and its bootstrap resamples (shape (N_RESAMPLES,))."""
    chosen = subset(items, piece.rows)
    n = int(piece.rows.size)
    value = float(np.asarray(benchmark.resample_primary(chosen, np.ones((1, n))))[0])
    return value, np.asarray(benchmark.resample_primary(chosen, intervals.counts_matrix(n)), dtype=np.float64)


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def job_slices(job: Job, part: str = "public") -> list[dict]:
    """``[{group, name, n, metric, value, ci}]`` for one part of a completed job; [] without slices."""
    try:
        benchmark = registry.get(job.benchmark)
    except registry.UnknownBenchmark:
        return []
    key = f"lb:slices:{job.pk}:{part}:{intervals.N_RESAMPLES}"
    found = cache.get(key)
    if found is not None:
        return found
    items = intervals.load_items(job.pk, part)
    found = []
    if items:
        for piece in benchmark.slices(items, job.score_notes or {}):
            if piece.rows.size == 0:
                continue
            value, samples = slice_samples(benchmark, items, piece)
            low, high = intervals.interval(samples)
            found.append(
                {
                    "group": piece.group,
                    "name": piece.name,
                    "n": int(piece.rows.size),
                    "metric": benchmark.primary_metric,
                    "value": _number(value),
                    "ci": [_number(low), _number(high)] if math.isfinite(low) else None,
                }
            )
    cache.set(key, found, timeout=24 * 3600)
    return found
