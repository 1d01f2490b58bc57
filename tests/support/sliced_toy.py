"""A toy benchmark with slices, and completed jobs of it whose per-item results are really stored.

``toy-sliced`` ranks by ``accuracy`` (mean of per-item ``value``); its slices are the items' parity
(``odd`` 0/1 in the per-item arrays). Jobs are written the way the scorer records them
(``intervals.score_fields``): per-item arrays on disk, intervals on the row.
"""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from benchmarks import registry
from benchmarks.base import Metric, Score, Slice
from jobs.models import Job
from jobs.scoring import intervals
from leaderboard.services import entry_ensure
from submissions.models import Submission
from tests.support.toy import ToyBenchmark

SLUG = "toy-sliced"


class SlicedToy(ToyBenchmark):
    slug = SLUG
    title = "Toy parity with slices"
    metrics = (Metric("accuracy", unit="%", precision=1), Metric("errors", higher_is_better=False, ranked=False))

    def slices(self, items, notes):
        odd = np.asarray(items.get("odd", []))
        return [Slice("parity", "even", np.flatnonzero(odd == 0)), Slice("parity", "odd", np.flatnonzero(odd == 1))]


def member(slug: str, suite: str) -> SlicedToy:
    """Another benchmark like ``toy-sliced``, named ``slug``, in ``suite``."""
    benchmark = SlicedToy()
    benchmark.slug, benchmark.suite = slug, suite
    return benchmark


def register(*benchmarks: SlicedToy) -> None:
    for benchmark in benchmarks or (SlicedToy(),):
        registry.register(benchmark)


def unregister(*slugs: str) -> None:
    for slug in slugs or (SLUG,):
        registry.unregister(slug)


def sliced_job(user, method: str, public: list[float], private: list[float], *, slug: str = SLUG, **fields) -> Job:
    """A completed job whose per-item values are ``public`` / ``private`` (items alternate even, odd)."""
    submission = Submission.objects.create(
        owner=user, benchmark=slug, method=method, sha256="0" * 64, size_bytes=1, archive="x.tar.gz", **fields
    )
    job = Job.objects.create(
        submission=submission,
        owner=user,
        benchmark=slug,
        resource_class="small",
        status="completed",
        finished_at=timezone.now(),
        metrics={},
        private_metrics={},
    )

    def part(values: list[float]) -> dict:
        array = np.asarray(values, dtype=np.float64)
        return {"value": array, "odd": np.arange(array.size) % 2}

    score = Score(
        metrics={"accuracy": float(np.mean(public)), "errors": float(len(public) - sum(public))},
        private_metrics={"accuracy": float(np.mean(private)), "errors": float(len(private) - sum(private))},
        items=part(public),
        private_items=part(private),
    )
    Job.objects.filter(pk=job.pk).update(**intervals.score_fields(SlicedToy(), score, job_id=job.pk))
    entry_ensure(benchmark=slug, owner_id=user.pk, method=method)
    job.refresh_from_db()
    return job
