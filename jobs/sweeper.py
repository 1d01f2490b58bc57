"""The sweeper: acts on every job past its deadline (lost worker, run past its time,
lost queue message, unserved pool, queued too long). Runs every ``LB_SWEEP_INTERVAL_S``
and at every worker start (jobs/tasks.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs import queue as job_queue
from jobs import selectors
from jobs.models import FailureKind, Job, JobPhase, JobStatus
from jobs.services import _enqueue_after_commit
from jobs.transitions import job_release


def jobs_sweep(*, now=None) -> dict[str, int]:
    """Act on every job past its deadline. Returns counts per action.

    * running with a stale heartbeat (worker lost): re-queue while attempts
      remain, otherwise fail ``gave up after N attempts`` (the dead letter);
    * running past its resource class's timeout plus grace: the same;
    * pending too long in the queue: re-queue once more after
      ``LB_REQUEUE_PENDING_AFTER_S`` (a lost enqueue), fail past the deadline.
    """
    from jobs import workers

    fleet = workers.view()
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "reenqueued": 0}
    stale = now - timedelta(seconds=settings.LB_HEARTBEAT_TIMEOUT_S)
    running = list(Job.objects.filter(status=JobStatus.RUNNING))
    # --- fleet: a worker whose record stopped heartbeating (or shut down) has vanished.
    vanished = fleet.vanished_workers({job.worker for job in running}, now=now)
    for job in running:
        timeout = settings.LB_RESOURCE_CLASSES.get(job.resource_class, {}).get("timeout_s", 3600)
        deadline = job.deadline() or now  # running without a start time: past due
        lost = job.heartbeat_at is None or job.heartbeat_at < stale or job.worker in vanished
        if not lost and now < deadline:
            continue
        why = (
            f"worker lost in phase {job.phase} (no heartbeat for {settings.LB_HEARTBEAT_TIMEOUT_S:.0f} s)"
            if lost
            else f"running past its deadline ({timeout} s + {settings.LB_RUN_GRACE_S:.0f} s grace)"
        )
        if job.attempts < job.max_attempts:
            counts["requeued"] += job_release(
                job_id=str(job.pk), worker=job.worker, reason=why, resource_class=job.resource_class
            )
        else:
            counts["failed"] += Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker).update(
                status=JobStatus.FAILED,
                phase=JobPhase.DONE,
                failure_kind=FailureKind.PLATFORM,
                finished_at=now,
                error=f"gave up after {job.attempts} attempts: {why}",
                # Lost while recording: its score was saved, so it counts (a score is a spent
                # job, selectors.counts_against_quota) and staff can re-record it.
                needs_recording=job.phase == JobPhase.RECORDING,
            )
    # A pending job older than the re-queue delay while its pool's queue is
    # empty lost its message (e.g. a broker restart without persistence).
    requeue_before = now - timedelta(seconds=settings.LB_REQUEUE_PENDING_AFTER_S)
    empty = [pool for pool in settings.LB_POOLS if _queue_length(pool) == 0]
    for job_id, resource_class in Job.objects.filter(
        selectors.in_pools(empty), status=JobStatus.PENDING, queued_at__lt=requeue_before
    ).values_list("pk", "resource_class"):
        _enqueue_after_commit(job_id, resource_class)  # a duplicate message is harmless: only one claim wins
        counts["reenqueued"] += 1
    # --- fleet: a job whose pool has no live worker waits and never fails for it;
    # its deadline clock restarts, so a worker arriving later has the full time.
    unserved = set(settings.LB_POOLS) - fleet.live_pools(now=now)
    if unserved:
        Job.objects.filter(selectors.in_pools(unserved), status=JobStatus.PENDING).update(queued_at=now)
    pending_deadline = now - timedelta(seconds=settings.LB_PENDING_DEADLINE_S)
    counts["failed"] += Job.objects.filter(status=JobStatus.PENDING, queued_at__lt=pending_deadline).update(
        status=JobStatus.FAILED,
        phase=JobPhase.DONE,
        failure_kind=FailureKind.PLATFORM,
        finished_at=now,
        error=f"waited in the queue past its deadline ({settings.LB_PENDING_DEADLINE_S:.0f} s)",
    )
    return counts


def _queue_length(pool: str) -> int:
    return job_queue.get().pool_depth(pool)
