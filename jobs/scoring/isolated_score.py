"""``benchmark.score(...)`` in the limited child of :mod:`jobs.scoring.isolated`.

The child scores and answers in JSON (metrics, notes, artifact names) plus one
``.npz`` of per-item arrays written without pickles; the worker rebuilds the
:class:`~benchmarks.base.Score` and checks every part of it, since the child
may have been subverted by the bytes it read. No Django here either.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from benchmarks.base import Benchmark, RunInfo, Score
from jobs.scoring import isolated

ITEMS_FILE = "items.npz"
MAX_ITEMS_BYTES = 256 * 1024 * 1024
MAX_NOTES, MAX_NOTE_CHARS, MAX_NAME_CHARS = 64, 2000, 128


def score(
    benchmark: Benchmark,
    *,
    output_dir: Path,
    hidden_dir: Path,
    artifact_dir: Path,
    run_info: RunInfo,
    limits: isolated.Limits,
    on_tick: Callable[[], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> tuple[Score, isolated.Outcome]:
    """The score, and how the child ran (network isolation, seconds). Raises what
    :func:`jobs.scoring.isolated.run` raises; a malformed answer is ``Stopped(kind="bad_answer")``."""
    result_dir = Path(tempfile.mkdtemp(prefix="lb-score-"))
    try:
        outcome = isolated.run(
            _score_in_child,
            benchmark,
            str(output_dir),
            str(hidden_dir),
            str(artifact_dir),
            asdict(run_info),
            str(result_dir),
            limits=limits,
            on_tick=on_tick,
            should_cancel=should_cancel,
        )
        return _rebuild(outcome.value, Path(artifact_dir), result_dir, limits), outcome
    finally:
        shutil.rmtree(result_dir, ignore_errors=True)


def _score_in_child(
    benchmark: Benchmark, output_dir: str, hidden_dir: str, artifact_dir: str, run_info: dict, result_dir: str
) -> dict:
    result = benchmark.score(
        Path(output_dir), Path(hidden_dir), artifact_dir=Path(artifact_dir), run_info=RunInfo(**run_info)
    )
    arrays = {}
    for part, items in (("public", result.items), ("private", result.private_items)):
        for key, value in (items or {}).items():
            arrays[f"{part}/{key}"] = np.asarray(value)
    if arrays:
        np.savez(Path(result_dir) / ITEMS_FILE, **arrays)
    return {
        "metrics": _numbers(result.metrics),
        "private_metrics": _numbers(result.private_metrics),
        "notes": {str(k): str(v) for k, v in result.notes.items()},
        "artifacts": [str(path) for path in result.artifacts],
        "items": sorted(arrays),
    }


def _numbers(metrics: dict) -> dict:
    return {str(k): (None if v is None else float(v)) for k, v in metrics.items()}


def _bad(limits: isolated.Limits, why: str) -> isolated.Stopped:
    return isolated.Stopped(
        f"{limits.what} returned a malformed score ({why}); {limits.culprit} is the cause", kind="bad_answer"
    )


def _metrics(value, limits: isolated.Limits) -> dict[str, float | None]:
    if not isinstance(value, dict) or len(value) > MAX_NOTES:
        raise _bad(limits, "metrics are not a small mapping")
    clean = {}
    for key, number in value.items():
        if not isinstance(key, str) or not key or len(key) > MAX_NAME_CHARS:
            raise _bad(limits, "a metric name is not a short string")
        if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
            raise _bad(limits, f"metric {key[:40]!r} is not a number")
        clean[key] = None if number is None else float(number)
    return clean


def _rebuild(value, artifact_dir: Path, result_dir: Path, limits: isolated.Limits) -> Score:
    if not isinstance(value, dict):
        raise _bad(limits, "not a mapping")
    notes = value.get("notes", {})
    if (
        not isinstance(notes, dict)
        or len(notes) > MAX_NOTES
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= MAX_NAME_CHARS and len(v) <= MAX_NOTE_CHARS
            for k, v in notes.items()
        )
    ):
        raise _bad(limits, "notes are not a small mapping of short strings")
    root = artifact_dir.resolve()
    artifacts = []
    for name in value.get("artifacts", []) if isinstance(value.get("artifacts"), list) else []:
        path = Path(str(name)).resolve()
        if path.is_relative_to(root):  # only what lies in the artifact folder (recording re-checks links)
            artifacts.append(path)
    items, private_items = _items(value.get("items"), result_dir, limits)
    return Score(
        metrics=_metrics(value.get("metrics"), limits),
        private_metrics=_metrics(value.get("private_metrics", {}), limits),
        artifacts=artifacts,
        items=items,
        private_items=private_items,
        notes=dict(notes),
    )


def _items(names, result_dir: Path, limits: isolated.Limits) -> tuple[dict | None, dict | None]:
    if not names:
        return None, None
    path = result_dir / ITEMS_FILE
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_ITEMS_BYTES:
        raise _bad(limits, "per-item arrays missing or too large")
    parts: dict[str, dict[str, np.ndarray]] = {"public": {}, "private": {}}
    try:
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                part, _, name = key.partition("/")
                array = data[key]
                if part not in parts or not name or array.dtype.kind not in "biuf" or array.ndim < 1:
                    raise _bad(limits, f"per-item array {key[:60]!r} is not numeric")
                parts[part][name] = array
    except (ValueError, OSError, EOFError) as exc:
        raise _bad(limits, f"per-item arrays unreadable: {exc}") from None
    return parts["public"] or None, parts["private"] or None
