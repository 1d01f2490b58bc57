"""Builders for phase tests: phases, and completed jobs with chosen public and private scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job
from leaderboard.services import entry_ensure
from phases.models import Phase
from submissions.models import Submission


@pytest.fixture
def make_phase(db):
    def make(*, starts_in=timedelta(hours=-1), ends_in=timedelta(days=7), benchmark="toy", **fields) -> Phase:
        now = timezone.now()
        fields.setdefault("starts_at", now + starts_in)
        fields.setdefault("ends_at", now + ends_in)
        phase = Phase(benchmark=benchmark, name=fields.pop("name", "Final"), **fields)
        phase.full_clean()
        phase.save()
        return phase

    return make


@pytest.fixture
def scored(db):
    """A completed job of ``user``'s ``method`` with the given public and private accuracy (no MLflow run)."""

    def make(user, method, public, private, *, status="completed", **extra) -> Job:
        submission = Submission.objects.create(
            owner=user, benchmark="toy", method=method, sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
        )
        job = Job.objects.create(
            submission=submission,
            owner=user,
            benchmark="toy",
            resource_class="small",
            status=status,
            finished_at=timezone.now() if status == "completed" else None,
            metrics={"accuracy": public, "errors": 1.0},
            private_metrics={"accuracy": private, "errors": 2.0},
            **extra,
        )
        if status == "completed":
            entry_ensure(benchmark="toy", owner_id=user.pk, method=method)
        return job

    return make


def entry_of(job: Job):
    from leaderboard.models import Entry

    return Entry.objects.get(benchmark=job.benchmark, owner=job.owner, method=job.submission.method)
