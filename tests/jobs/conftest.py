"""Jobs' test helpers: a submission and jobs in the states the enqueue limits count differently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import FailureKind, Job, JobStatus
from submissions.models import Submission


def make_submission(user) -> Submission:
    return Submission.objects.create(
        owner=user, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.zip"
    )


def make_job(user, submission, status, **fields) -> Job:
    return Job.objects.create(
        submission=submission, owner=user, benchmark="toy", resource_class="small", status=status, **fields
    )


@pytest.fixture
def history(alice, bob, settings):
    """alice: one job in every state that counts differently, one outside the rate window; bob: one pending job.
    Returns (alice's submission, bob's submission)."""
    settings.LB_RATE_JOBS_HOUR = "100/h"
    mine, theirs = make_submission(alice), make_submission(bob)
    for status in (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.COMPLETED, JobStatus.CANCELLED):
        make_job(alice, mine, status)
    make_job(alice, mine, JobStatus.FAILED, failure_kind=FailureKind.PLATFORM)
    make_job(alice, mine, JobStatus.FAILED, failure_kind=FailureKind.SUBMISSION)
    old = make_job(alice, mine, JobStatus.COMPLETED)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    make_job(bob, theirs, JobStatus.PENDING)
    return mine, theirs
