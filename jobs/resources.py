"""A resource class in words, for people: "small: 900 s, 8 GiB, 2 CPUs, 1 GPU"."""

from __future__ import annotations

from collections.abc import Mapping


def _count(number: float, unit: str) -> str:
    shown = f"{number:g}"
    return f"{shown} {unit}" if number == 1 else f"{shown} {unit}s"


def _memory(mb: float) -> str:
    return f"{mb / 1024:g} GiB" if mb >= 1024 else f"{mb:g} MiB"


def describe_resources(name: str, spec: Mapping | None) -> str:
    """The class's name, then its time limit, memory, CPUs and GPUs; just the name when the
    spec is unknown (a class since removed from ``LB_RESOURCE_CLASSES``)."""
    if not spec:
        return str(name)
    parts = []
    if spec.get("timeout_s") is not None:
        parts.append(f"{spec['timeout_s']:g} s")
    if spec.get("memory_mb") is not None:
        parts.append(_memory(spec["memory_mb"]))
    if spec.get("cpus") is not None:
        parts.append(_count(spec["cpus"], "CPU"))
    gpus = spec.get("gpus") or 0
    parts.append(_count(gpus, "GPU") if gpus else "no GPU")
    return f"{name}: {', '.join(parts)}"
