"""Training-seed variance: the summary of a seed group (the k jobs of one "k seeds" request).

The board's ordinary interval covers one source of noise, which hidden test items were drawn. A seed group
adds the other one a reviewer asks about, the training seed. Its interval is a two-level bootstrap over the
stored per-item results (jobs/scoring/intervals.py): each resample draws k seeds with replacement, then
the test items; the value is the mean over the drawn seeds of their primary metric on that item draw.

The item draw is shared by the seeds of one resample (row ``b`` of the same counts matrix) because every
seed was scored on the same hidden test set: the item noise is the test set's, common to all of them, and
the seed noise is what the first level adds on top.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.models import AbstractBaseUser

from benchmarks import registry
from benchmarks.base import Benchmark
from core.errors import NotFound
from jobs.models import Job
from jobs.scoring import intervals
from jobs.selectors import jobs_visible_to
from leaderboard import ranking

# The seed level's own stream, apart from the item draws' (intervals.SEED), fixed so that a page
# shows the same interval every time.
SEED_LEVEL_SEED = 20261206


@dataclass
class SeedSummary:
    group: str
    k: int
    scores: list[dict] = field(default_factory=list)  # {"seed", "job", "score"}, by seed
    mean: float | None = None
    sd: float | None = None  # sample standard deviation (k - 1), None for one seed
    ci: list[float] | None = None  # the two-level bootstrap's 95 % interval

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def two_level_resamples(resampled_per_seed: np.ndarray, *, seed: int = SEED_LEVEL_SEED) -> np.ndarray:
    """``resampled_per_seed``: shape (k, B), seed ``s``'s primary metric on item resample ``b``. Returns
    shape (B,): for each ``b``, the mean over k seeds drawn with replacement of their value at ``b``."""
    k, n_resamples = resampled_per_seed.shape
    rng = np.random.default_rng([seed, k, n_resamples])
    drawn = rng.integers(0, k, size=(n_resamples, k))
    return resampled_per_seed[drawn, np.arange(n_resamples)[:, None]].mean(axis=1)


def summarise(benchmark: Benchmark, jobs: Iterable[Job], *, part: str = "public") -> SeedSummary:
    """The summary of one group's completed jobs, from their stored per-item results."""
    jobs = sorted(jobs, key=lambda job: (job.train_seed is None, job.train_seed or 0))
    metric = benchmark.primary_metric
    summary = SeedSummary(group=str(jobs[0].seed_group) if jobs else "", k=len(jobs))
    values = []
    for job in jobs:
        value = (job.private_metrics if part == "private" else job.metrics).get(metric)
        summary.scores.append({"seed": job.train_seed, "job": str(job.pk), "score": value})
        if ranking.finite(value):
            values.append(float(value))
    if values:
        summary.mean = float(np.mean(values))
        summary.sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
    per_seed = [intervals.load_items(job.pk, part) for job in jobs]
    if len(jobs) > 1 and all(items is not None for items in per_seed):
        stacked = np.stack([intervals.resampled(benchmark, items) for items in per_seed])
        low, high = intervals.interval(two_level_resamples(stacked))
        if math.isfinite(low) and math.isfinite(high):
            summary.ci = [low, high]
    return summary


def group_summaries(benchmark: Benchmark, jobs: Iterable[Job], *, part: str = "public") -> dict[str, SeedSummary]:
    """Each seed group among ``jobs`` (completed ones), by group id."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        if job.seed_group is not None:
            groups.setdefault(str(job.seed_group), []).append(job)
    return {group: summarise(benchmark, members, part=part) for group, members in groups.items()}


def seed_mean_candidates(jobs: list[Job], summaries: dict[str, SeedSummary]) -> list[tuple[Job, float | None]]:
    """For ranking on the seed mean: one candidate per group (its seed-0 job, valued at the group's mean);
    a job outside any group stands for itself with its own score (value None: the caller's)."""
    chosen: list[tuple[Job, float | None]] = []
    seen: set[str] = set()
    for job in jobs:
        if job.seed_group is None:
            chosen.append((job, None))
            continue
        group = str(job.seed_group)
        if group in seen:
            continue
        seen.add(group)
        first = next(j for j in jobs if str(j.seed_group) == group and str(j.pk) == summaries[group].scores[0]["job"])
        chosen.append((first, summaries[group].mean))
    return chosen


def seed_group_summary(*, user: AbstractBaseUser, group: uuid.UUID | str) -> dict:
    """The API's view of a seed group: its jobs as ``user`` may see them (none: 404), and the numbers
    over the completed ones (public part)."""
    jobs = list(jobs_visible_to(user=user, queryset=Job.objects.filter(seed_group=group)).select_related("submission"))
    if not jobs:
        raise NotFound(f"No seed group {group} visible to you.")
    benchmark = registry.get(jobs[0].benchmark)
    completed = [job for job in jobs if job.status == "completed"]
    summary = summarise(benchmark, completed) if completed else SeedSummary(group=str(group), k=0)
    return {
        "seed_group": str(group),
        "benchmark": benchmark.slug,
        "primary_metric": benchmark.primary_metric,
        "jobs": [
            {"id": str(job.pk), "seed": job.train_seed, "status": job.status}
            for job in sorted(jobs, key=lambda job: job.train_seed or 0)
        ],
        **{key: value for key, value in summary.as_dict().items() if key != "group"},
    }
