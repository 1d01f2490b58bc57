"""Jobs of the toy benchmark made through the real upload and enqueue path, owners with addresses."""

from __future__ import annotations

import pytest

from jobs.models import Job, JobStatus
from jobs.services import job_enqueue


@pytest.fixture(autouse=True)
def _addresses(alice, bob, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 1000
    settings.LB_SITE_URL = "https://lb.example.org"
    for user in (alice, bob):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def completed_job(submit, prepared_toy):
    """A job of ``user``'s, moved to completed with ``accuracy`` as the worker would leave it."""

    def make(user, client, *, method="parity", accuracy=0.875, submission=None):
        submission = submission or submit(client, method=method).json()["id"]
        job = job_enqueue(owner=user, submission_id=submission)[0]
        Job.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED, metrics={"accuracy": accuracy})
        job.refresh_from_db()
        return job

    return make


def announce(job, tmp_path) -> None:
    """What jobs.runner does after job_complete: the one signal of a completed job."""
    from jobs.signals import job_completed

    for _, error in job_completed.send_robust(sender=Job, job=job, output_dir=tmp_path):
        assert not isinstance(error, Exception), error


def digests_scheduled(callbacks) -> list[int]:
    """The users whose digest these on-commit callbacks schedule (other apps add their own callbacks)."""
    from notifications.services import _schedule_flush

    return [callback.args[0] for callback in callbacks if getattr(callback, "func", None) is _schedule_flush]
