"""Which benchmarks this platform serves.

The registry is filled at start-up from factory specs (``"module:function"``),
each returning an iterable of :class:`~benchmarks.base.Benchmark` instances,
so one module can register several (the anomaly benchmark registers one per
data-set category). Adding a benchmark is one module plus one spec.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.base import Benchmark

_registry: dict[str, Benchmark] = {}


class UnknownBenchmark(KeyError):
    pass


def register(benchmark: Benchmark) -> Benchmark:
    _registry[benchmark.slug] = benchmark
    return benchmark


def unregister(slug: str) -> None:
    _registry.pop(slug, None)


def get(slug: str) -> Benchmark:
    try:
        return _registry[slug]
    except KeyError:
        raise UnknownBenchmark(slug) from None


def all_benchmarks() -> list[Benchmark]:
    return sorted(_registry.values(), key=lambda b: b.slug)


def load(specs: Iterable[str], options: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Import each ``module:factory`` spec and register what it returns.

    ``options[module]`` is passed to the factory as keyword arguments.
    """
    options = options or {}
    for spec in specs:
        module_name, _, factory_name = spec.partition(":")
        module = importlib.import_module(module_name)
        factory = getattr(module, factory_name or "benchmarks")
        for benchmark in factory(**options.get(module_name, {})):
            register(benchmark)
