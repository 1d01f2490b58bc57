"""The worker's side of a job's life: claim, heartbeat, phase, score saved, complete,
fail, release. Every state change is a conditional update on the status it expects
(and on the worker that owns the job), so two workers, a sweeper and a cancelling
user can never both win. The API's writes are in jobs/services.py, the sweeper in
jobs/sweeper.py."""

from __future__ import annotations

import logging
import uuid

from django.db.models import F, Q
from django.utils import timezone

from jobs.models import ACTIVE_STATUSES, Job, JobPhase, JobStatus
from jobs.services import _enqueue_after_commit
from jobs.signals import job_failed

logger = logging.getLogger(__name__)


def job_claim(*, job_id: str, worker: str) -> bool:
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING,
            phase=JobPhase.PREPARING,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            error="",
            failure_kind="",
        )
    )


def job_heartbeat(*, job_id: str, worker: str) -> bool:
    """Refresh the heartbeat; False when this worker no longer owns the job."""
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker).update(heartbeat_at=timezone.now())
    )


def job_set_phase(*, job_id: str, worker: str, phase: str) -> bool:
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker).update(
            phase=phase, heartbeat_at=timezone.now()
        )
    )


def job_still_owned(*, job_id: str, worker: str) -> bool:
    return Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker).exists()


def job_fail(*, job_id: str, reason: str, kind: str, worker: str | None = None, needs_recording: bool = False) -> bool:
    filters = Q(pk=job_id, status__in=ACTIVE_STATUSES)
    if worker is not None:
        filters &= Q(worker=worker, status=JobStatus.RUNNING)
    failed = bool(
        Job.objects.filter(filters).update(
            status=JobStatus.FAILED,
            phase=JobPhase.DONE,
            error=reason,
            failure_kind=kind,
            finished_at=timezone.now(),
            needs_recording=needs_recording,
        )
    )
    if failed:  # news goes up by signal (notifications); a listener's error never undoes the failure
        for receiver, error in job_failed.send_robust(sender=Job, job_id=job_id, reason=reason, kind=kind):
            if isinstance(error, Exception):
                logger.error("job_failed receiver %r raised: %r", receiver, error)
    return failed


def job_release(*, job_id: str, worker: str | None, reason: str, resource_class: str | None = None) -> bool:
    """Give a running job back to its pool's queue (worker lost, platform hiccup)."""
    filters = Q(pk=job_id, status=JobStatus.RUNNING)
    if worker is not None:
        filters &= Q(worker=worker)
    released = Job.objects.filter(filters).update(
        status=JobStatus.PENDING, phase=JobPhase.QUEUED, worker="", queued_at=timezone.now(), error=reason
    )
    if released:
        if resource_class is None:
            resource_class = Job.objects.filter(pk=job_id).values_list("resource_class", flat=True).first() or ""
        _enqueue_after_commit(uuid.UUID(str(job_id)), resource_class)
    return bool(released)


def job_save_score(*, job_id: str, worker: str, fields: dict) -> bool:
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker).update(
            phase=JobPhase.RECORDING, heartbeat_at=timezone.now(), **fields
        )
    )


def job_complete(*, job_id: str, worker: str | None, run_id: str, experiment_id: str) -> bool:
    """running → completed (or a tracking-failed job re-recorded by staff).

    The caller sends ``job_completed`` when this returns True."""
    filters = Q(pk=job_id)
    if worker is None:
        filters &= Q(status=JobStatus.FAILED, needs_recording=True)
    else:
        filters &= Q(status=JobStatus.RUNNING, worker=worker)
    done = Job.objects.filter(filters).update(
        status=JobStatus.COMPLETED,
        phase=JobPhase.DONE,
        run_id=run_id,
        experiment_id=experiment_id,
        finished_at=timezone.now(),
        needs_recording=False,
        error="",
        failure_kind="",
    )
    return bool(done)


def job_hand_over(*, job_id: str, worker: str, to_worker: str, phase: str | None = None) -> bool:
    """A running job passes from ``worker`` to ``to_worker`` (a remote worker's upload to the
    scoring pool, jobs/remote.py); the heartbeat restarts. False when ``worker`` no longer owns it."""
    fields = {"worker": to_worker, "heartbeat_at": timezone.now()}
    if phase is not None:
        fields["phase"] = phase
    return bool(Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker).update(**fields))
