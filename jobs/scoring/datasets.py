"""Where each benchmark's public and hidden data live, and preparing them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings

from benchmarks.base import Benchmark


class DatasetMissing(Exception):
    pass


def dirs(benchmark: Benchmark) -> tuple[Path, Path]:
    root = settings.LB_BENCHMARK_DATA_DIR / benchmark.slug
    return root / "public", root / "hidden"


def _marker(benchmark: Benchmark) -> Path:
    return settings.LB_BENCHMARK_DATA_DIR / benchmark.slug / "prepared.json"


def stamp(benchmark: Benchmark) -> str:
    """What identifies the benchmark's data: its version, or a finer fingerprint if it has one."""
    return str(benchmark.fingerprint)


def is_prepared(benchmark: Benchmark) -> bool:
    marker = _marker(benchmark)
    return marker.exists() and json.loads(marker.read_text()).get("version") == stamp(benchmark)


def prepare(benchmark: Benchmark) -> bool:
    """Prepare data if missing or stale; returns whether work was done."""
    if is_prepared(benchmark):
        return False
    public, hidden = dirs(benchmark)
    for path in (public, hidden):
        if path.exists():
            shutil.rmtree(path)  # stale version: start clean so nothing old leaks
        path.mkdir(parents=True)
    benchmark.prepare(public, hidden)
    _marker(benchmark).write_text(json.dumps({"version": stamp(benchmark)}))
    return True


def ready_dirs(benchmark: Benchmark) -> tuple[Path, Path]:
    if not is_prepared(benchmark):
        raise DatasetMissing(
            f"data for benchmark {benchmark.slug!r} (version {stamp(benchmark)}) is not prepared; "
            "an operator must run `python manage.py bootstrap`"
        )
    return dirs(benchmark)
