"""Small helpers shared by the lab notebooks (imported as ``import lab`` from ``experiments/``).

Importing it puts the repository root on ``sys.path`` (so ``benchmarks.maze``
is the project's own code, not a copy), makes rendering headless, and sets a
compact figure style so the committed notebooks stay small.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Headless: pygame (CartPole's rgb_array renderer) never opens a window or a sound device.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

MLFLOW_EXPERIMENT = "experiments"

# The test suite executes every notebook on each run; training to the committed results there would cost
# over a minute of CI for nothing the committed outputs do not already show. LB_LAB_STEPS caps every training
# run's environment steps (the suite sets it small); unset (``make notebooks``), each run gets its full budget.
_STEPS_CAP = os.environ.get("LB_LAB_STEPS", "").strip()
FULL_BUDGET = not _STEPS_CAP


def budget(full: int) -> int:
    """Environment steps for a training run whose lab-book budget is ``full``: ``full`` unless ``LB_LAB_STEPS``
    caps it. Claims that only hold after full training are asserted under ``if lab.FULL_BUDGET``."""
    if FULL_BUDGET:
        return full
    cap = int(_STEPS_CAP)
    if cap <= 0:
        raise ValueError(f"LB_LAB_STEPS must be a positive number of steps, not {_STEPS_CAP!r}")
    return min(full, cap)


def setup(threads: int = 1) -> None:
    """One torch thread (the machines that run these have 2 shared cores) and small figures."""
    import matplotlib
    import torch

    torch.set_num_threads(threads)
    matplotlib.rcParams.update(
        {
            "figure.dpi": 72,
            "savefig.dpi": 72,
            "figure.figsize": (7, 3),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


_pending: list = []  # metrics of the active run, sent in batches when it ends (one request per 1,000)


@contextlib.contextmanager
def mlflow_run(notebook: str, params: Mapping[str, object] | None = None) -> Iterator[object]:
    """An MLflow run in the ``experiments`` experiment when ``MLFLOW_TRACKING_URI`` is set; else a no-op.

    Yields the active run (or None). Metrics given to :func:`log_metrics` inside it are sent when it ends.
    """
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        yield None
        return
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(MLFLOW_EXPERIMENT)
    _pending.clear()
    with mlflow.start_run(run_name=notebook, tags={"notebook": notebook}) as run:
        if params:
            mlflow.log_params({k: str(v) for k, v in params.items()})
        yield run
        # Learning curves are hundreds of points: one HTTP request each would dominate a notebook's run time.
        client = mlflow.MlflowClient()
        for start in range(0, len(_pending), 1000):
            client.log_batch(run.info.run_id, metrics=_pending[start : start + 1000])
        _pending.clear()


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    """Queue metrics for the active MLflow run, if any (no-op without ``MLFLOW_TRACKING_URI``); None values are skipped."""
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        return
    import mlflow
    from mlflow.entities import Metric

    if mlflow.active_run() is not None:
        now = int(time.time() * 1000)
        # None means "no value yet" (e.g. a rolling success rate before the first finished episode).
        _pending.extend(
            Metric(key, float(value), now, step or 0) for key, value in metrics.items() if value is not None
        )


def on_grid(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Resample curves with different x (episodes end at different steps) onto one shared x grid."""
    end = min(float(x[-1]) for x in xs)
    grid = np.linspace(max(float(x[0]) for x in xs), end, points)
    return grid, np.stack([np.interp(grid, x, y) for x, y in zip(xs, ys)])


def band(
    ax, xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], label: str, color: str | None = None, smooth: int = 1
) -> None:
    """Mean over seeds as a line, min–max over seeds as a shaded band."""
    ys = [moving_average(np.asarray(y, float), smooth) for y in ys]
    xs = [np.asarray(x, float)[len(x) - len(y) :] for x, y in zip(xs, ys)]
    grid, stacked = on_grid(xs, ys)
    (line,) = ax.plot(grid, stacked.mean(axis=0), label=f"{label} (mean of {len(ys)} seeds)", color=color)
    ax.fill_between(grid, stacked.min(axis=0), stacked.max(axis=0), alpha=0.2, color=line.get_color())


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < window:
        return y
    return np.convolve(y, np.ones(window) / window, mode="valid")
