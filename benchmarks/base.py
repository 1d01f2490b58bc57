"""The benchmark interface.

A benchmark is a plain Python object: it never imports Django. The platform
(``jobs/`` and ``leaderboard/``) only talks to benchmarks through this module:

* ``prepare(public_dir, hidden_dir)`` lays out the data once (idempotent).
  ``public_dir`` is mounted read-only into every run as ``LB_DATASET_DIR``;
  ``hidden_dir`` holds the ground truth that only the scorer reads.
* ``score(output_dir, hidden_dir, artifact_dir=..., run_info=...)`` reads what a
  submission wrote and returns a :class:`Score`. Malformed output raises
  :class:`ScoringError` with a message that names the file and says why: that
  is the submission's fault and ends the job ``failed``.
* ``resample_primary(items, counts)`` recomputes the primary metric on
  bootstrap resamples of the hidden test items, for confidence intervals.

Hidden test items are split by each benchmark into a *public* part (what the
board ranks by while the benchmark is open) and a *private* part (published
when staff close it). ``Score.metrics`` is always the public part under the
official metric names; ``Score.private_metrics`` the private part, same names.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

# A seed, or a callable that returns one: the platform passes its hidden-data
# seed as a callable so that it is read (and first made) when data is built,
# not when benchmarks are registered at start-up or during an image build.
Seed = int | Callable[[], int]


# How a training seed reaches a submission: the platform sets this variable in a "k seeds" run; a
# submission reads it in place of the ``seed`` key of its config (the shipped examples do).
TRAIN_SEED_ENV = "LB_TRAIN_SEED"


def train_seed(config: Mapping, default: int = 0) -> int:
    """The seed a submission should train with: ``$LB_TRAIN_SEED`` when the platform set it, else the
    config's ``seed`` (else ``default``)."""
    import os

    value = os.environ.get(TRAIN_SEED_ENV)
    return int(value) if value not in (None, "") else int(config.get("seed", default))


def resolve_seed(seed: Seed) -> int:
    return int(seed()) if callable(seed) else int(seed)


class ScoringError(Exception):
    """The submission's output does not follow the benchmark's output contract."""


# Units a metric may declare, and how a stored value becomes a shown one: "%" values are stored as
# fractions (0..1) and shown times 100. Stored values never change; only what is printed does.
UNIT_SCALE: dict[str, float] = {"": 1.0, "%": 100.0, "ms": 1.0, "MB": 1.0, "steps": 1.0}


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool = True
    label: str = ""
    # Metrics that describe cost rather than quality (time, memory) are shown
    # but never used for ranking.
    ranked: bool = True
    # How it is printed (board page, CSV, `lb board`): the unit (a key of UNIT_SCALE) and the
    # number of decimals in that unit (a percentage with one decimal, MB as an integer...).
    unit: str = ""
    precision: int = 4

    def __post_init__(self) -> None:
        if self.unit not in UNIT_SCALE:
            raise ValueError(f"metric {self.name}: unit must be one of {sorted(UNIT_SCALE)}")

    @property
    def display(self) -> str:
        return self.label or self.name

    @property
    def heading(self) -> str:
        """The label with its unit, e.g. "Image AUROC (%)"."""
        return f"{self.display} ({self.unit})" if self.unit else self.display

    def scaled(self, value: object) -> float | None:
        """A stored value in the declared unit (None for missing, NaN or infinite)."""
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if not np.isfinite(number) or isinstance(value, bool):
            return None
        return number * UNIT_SCALE[self.unit]

    def format(self, value: object, *, with_unit: bool = False) -> str:
        """A stored value as shown: in the unit, at the declared precision; "—" when missing."""
        number = self.scaled(value)
        if number is None:
            return "—"
        text = f"{number:.{self.precision}f}"
        return f"{text} {self.unit}" if with_unit and self.unit else text

    def describe(self) -> dict:
        """What a client needs to print the metric as the page does (JSON)."""
        return {
            "name": self.name,
            "label": self.display,
            "unit": self.unit,
            "scale": UNIT_SCALE[self.unit],
            "precision": self.precision,
            "higher_is_better": self.higher_is_better,
            "ranked": self.ranked,
        }


@dataclass(frozen=True)
class Slice:
    """A named subset of a part's hidden test items (e.g. one defect type, a path-length bin).

    ``rows`` index the part's per-item arrays; the platform computes the primary metric on
    ``{k: v[rows]}`` and resamples those items alone for its interval."""

    group: str  # e.g. "defect type"
    name: str  # e.g. "scratch"
    rows: np.ndarray


@dataclass(frozen=True)
class RunInfo:
    """What the platform measured about the submission's run."""

    wall_seconds: float = 0.0
    peak_vram_mb: float = 0.0
    gpu: bool = False
    resource_class: str = ""


@dataclass
class Score:
    metrics: dict[str, float]
    private_metrics: dict[str, float] = field(default_factory=dict)
    artifacts: list[Path] = field(default_factory=list)
    # Per-item data the benchmark's resample_primary() understands: arrays
    # whose first axis is the test item, one dict for each part. Kept small:
    # the platform stores them with the job (npz).
    items: dict[str, np.ndarray] | None = None
    private_items: dict[str, np.ndarray] | None = None
    # Free-form, JSON-serialisable facts worth recording (e.g. which timing
    # source inference_time_ms came from).
    notes: dict[str, str] = field(default_factory=dict)


class Benchmark(abc.ABC):
    slug: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    metrics: ClassVar[tuple[Metric, ...]]
    primary_metric: ClassVar[str]
    # Bump when the scorer or the data changes in a way that changes numbers.
    version: ClassVar[str] = "1"
    # Fraction of hidden test items held back for the private board.
    private_fraction: ClassVar[float] = 0.5
    # Example submissions shipped with the project (folders), run by the
    # quick-start command.
    example_dirs: ClassVar[tuple[Path, ...]] = ()
    # A sub-dataset (e.g. an MVTec category), recorded with each run; "" for none.
    category: str = ""
    # A suite this benchmark belongs to (e.g. the anomaly categories): its suite board ranks methods that
    # have an entry on every member by the mean primary metric. "" for none.
    suite: str = ""
    # A completed job's output holds ``policy.onnx``, an agent policy the platform's model
    # registry keeps (agents/ asks this, never the slug).
    produces_policy: ClassVar[bool] = False
    # Multi-seed runs: how many training seeds one request may ask for (each seed is one job, run with
    # the environment variable TRAIN_SEED_ENV set; 1 turns the feature off for this benchmark).
    max_seeds: ClassVar[int] = 5

    # What the platform reads besides scoring (reproducibility record, MLflow params).
    @property
    def dataset_name(self) -> str:
        return self.slug

    @property
    def seeds(self) -> dict[str, int]:
        """Public seeds worth recording with a run (never the hidden-data seed)."""
        return {}

    @property
    def fingerprint(self) -> str:
        """Changes whenever prepared data would differ; prepared data carries it."""
        return self.version

    @property
    def higher_is_better(self) -> bool:
        return self.metric(self.primary_metric).higher_is_better

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)

    @abc.abstractmethod
    def prepare(self, public_dir: Path, hidden_dir: Path) -> None:
        """Create public and hidden data if missing. Must be idempotent."""

    @abc.abstractmethod
    def score(
        self,
        output_dir: Path,
        hidden_dir: Path,
        *,
        artifact_dir: Path,
        run_info: RunInfo = RunInfo(),
    ) -> Score:
        """Score a submission's output against the hidden ground truth."""

    def slices(self, items: Mapping[str, np.ndarray], notes: Mapping[str, str]) -> list[Slice]:
        """The slices of one part's per-item arrays (``Score.items``), with the job's ``Score.notes``.

        Default: none. A benchmark that declares slices records what it needs to find them in its
        per-item arrays (numeric only) and, for names, in its notes."""
        return []

    def resample_primary(self, items: Mapping[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
        """Primary metric on resamples of the test items.

        ``counts`` has shape (n_resamples, n_items): how often each item is
        drawn in each resample. Returns shape (n_resamples,). The default
        treats ``items["value"]`` as a per-item score whose mean is the metric.
        """
        values = np.asarray(items["value"], dtype=np.float64)
        return (counts @ values) / counts.sum(axis=1)
