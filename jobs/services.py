"""Writes for jobs. Every state change is a conditional update on the status
it expects, so two workers, a sweeper and a cancelling user can never both win.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.db import insert_row
from core.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from jobs import admission, enqueue_sql, selectors
from jobs import queue as job_queue
from jobs.models import ACTIVE_STATUSES, FailureKind, Job, JobPhase, JobStatus
from phases import selectors as phases

logger = logging.getLogger(__name__)


def _enqueue_after_commit(job_id: uuid.UUID, resource_class: str) -> None:
    # --- fleet: the job goes to its resource class's pool queue (jobs/queue.py).
    pool = selectors.pool_for(resource_class)

    def enqueue() -> None:
        try:
            job_queue.get().push_job(str(job_id), pool)
        except Exception:
            # The job row is committed and stays pending; the sweeper enqueues
            # it again once the broker is back (see jobs_sweep). The client
            # still gets its job id.
            logger.exception("could not enqueue job %s; the sweeper will retry", job_id)

    transaction.on_commit(enqueue)


def _check_limits(check: selectors.EnqueueCheck) -> None:
    limit = settings.LB_MAX_ACTIVE_JOBS_PER_USER
    if check.active >= limit:
        raise LimitExceeded(
            f"You have {check.active} pending or running jobs; the limit is {limit}. "
            "Wait for one to finish or cancel one.",
            code="too_many_active_jobs",
        )
    usage = check.rate
    if usage.exhausted:
        retry_after = max(int((usage.frees_at - timezone.now()).total_seconds()) + 1, 1)
        raise LimitExceeded(
            f"Job limit reached ({usage.limit} per {int(usage.window.total_seconds() // 60)} min, cancelled jobs "
            f"and platform failures before scoring not counted); retry in {retry_after} s.",
            code="rate_limited",
            headers={"Retry-After": str(retry_after)},
        )


def _same_request(job: Job, *, owner, submission_id, resource_class: str) -> bool:
    return job.owner_id == owner.pk and str(job.submission_id) == str(submission_id) and (
        job.resource_class == resource_class
    )


def job_enqueue(
    *,
    owner: AbstractBaseUser,
    submission_id: uuid.UUID | str,
    job_id: uuid.UUID | None = None,
    resource_class: str | None = None,
) -> tuple[Job, bool]:
    """Create and queue a job; returns ``(job, created)``.

    ``job_id`` is the client's idempotency key: the same request again returns
    the same job (``created`` False) and queues nothing; the same key with a
    different request is a 409.
    """
    resource_class = resource_class or settings.LB_DEFAULT_RESOURCE_CLASS
    if resource_class not in settings.LB_RESOURCE_CLASSES:
        known = ", ".join(sorted(settings.LB_RESOURCE_CLASSES))
        raise InvalidInput(f"Unknown resource_class {resource_class!r}; known: {known}.", code="bad_resource_class")
    try:
        submission_id = uuid.UUID(str(submission_id))
    except ValueError:
        raise NotFound(f"No submission {submission_id} visible to you.") from None
    # A key adds one lookup first (a replay ends there).
    if job_id is not None:
        existing = Job.objects.filter(pk=job_id).first()
        if existing is not None:
            submission = selectors.submission_for(user=owner, submission_id=submission_id, fields=("id",))
            return _replay(existing, owner=owner, submission_id=submission.pk, resource_class=resource_class)
    job = Job(id=job_id or uuid.uuid4(), submission_id=submission_id, owner=owner, benchmark="",
              resource_class=resource_class, max_attempts=settings.LB_MAX_ATTEMPTS, queued_at=timezone.now())
    try:
        if enqueue_sql.available() and _enqueued_in_one_statement(job, owner=owner):
            return job, True
        # The owner's lock, one statement reading the submission and both limits, the
        # phase rules, the insert; then the commit and, after it, the queue push.
        with transaction.atomic():
            check = selectors.enqueue_check_locked(owner=owner, submission_id=submission_id)
            if check.benchmark is None:
                raise NotFound(f"No submission {submission_id} visible to you.")
            admission.admit_job(owner=owner, benchmark=check.benchmark)  # phase dates and per-phase limits
            _check_limits(check)
            job.benchmark = check.benchmark
            insert_row(job)  # save(force_insert=True), prepared: the ORM's compile was a fifth of the request
            _enqueue_after_commit(job.id, resource_class)
    except IntegrityError:
        # A concurrent request with the same key won the insert.
        existing = Job.objects.filter(pk=job_id).first()
        if existing is None:
            raise
        return _replay(existing, owner=owner, submission_id=submission_id, resource_class=resource_class)
    return job, True


def _enqueued_in_one_statement(job: Job, *, owner: AbstractBaseUser) -> bool:
    """Lock, check and insert as one statement (jobs/enqueue_sql.py) when the
    submission's benchmark admits jobs without counting phase usage. False when its phase
    rules must decide: the caller's transaction does, under the same lock."""
    now = timezone.now()
    open_benchmarks = phases.open_to_jobs(now=now)  # running, and no per-phase limit to count
    limit, window = selectors.job_rate_limit()
    since = now - window
    outcome = enqueue_sql.enqueue_in_one_statement(
        job=job, owner=owner, open_benchmarks=open_benchmarks, since=since,
        max_active=settings.LB_MAX_ACTIVE_JOBS_PER_USER, rate_limit=limit)
    if outcome.inserted:
        _enqueue_after_commit(job.id, job.resource_class)
        return True
    if outcome.benchmark is None:
        raise NotFound(f"No submission {job.submission_id} visible to you.")
    if outcome.benchmark in open_benchmarks:  # so a limit refused it
        _check_limits(selectors.EnqueueCheck(
            benchmark=outcome.benchmark, active=outcome.active,
            rate=selectors.rate_usage_of(owner=owner, used=outcome.used, limit=limit, window=window, since=since)))
    return False


def _replay(existing: Job, *, owner, submission_id, resource_class: str) -> tuple[Job, bool]:
    if _same_request(existing, owner=owner, submission_id=submission_id, resource_class=resource_class):
        return existing, False
    raise Conflict(
        f"job_id {existing.pk} was already used for a different request.", code="idempotency_conflict"
    )


def job_cancel(*, job: Job, actor: AbstractBaseUser) -> Job:
    """Cancel a pending or running job; the worker kills the run within seconds."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
        status=JobStatus.CANCELLED, finished_at=now, error=f"cancelled by {actor}", phase=JobPhase.DONE
    )
    job.refresh_from_db()
    if not updated:
        raise Conflict(f"Job is already {job.status}; only pending or running jobs can be cancelled.",
                       code="not_cancellable")
    return job


def job_rerun(*, job: Job, actor: AbstractBaseUser) -> Job:
    """Staff: run the same submission again as a new job (history is kept)."""
    new = Job.objects.create(
        submission_id=job.submission_id,
        owner_id=job.owner_id,
        benchmark=job.benchmark,
        resource_class=job.resource_class,
        max_attempts=settings.LB_MAX_ATTEMPTS,
        queued_at=timezone.now(),
    )
    _enqueue_after_commit(new.id, new.resource_class)
    return new


# --- Worker-side transitions ------------------------------------------------

def job_claim(*, job_id: str, worker: str) -> bool:
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, phase=JobPhase.PREPARING, worker=worker, started_at=now,
            heartbeat_at=now, attempts=F("attempts") + 1, error="", failure_kind="",
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


def job_fail(*, job_id: str, reason: str, kind: str, worker: str | None = None,
             needs_recording: bool = False) -> bool:
    filters = Q(pk=job_id, status__in=ACTIVE_STATUSES)
    if worker is not None:
        filters &= Q(worker=worker, status=JobStatus.RUNNING)
    return bool(
        Job.objects.filter(filters).update(
            status=JobStatus.FAILED, phase=JobPhase.DONE, error=reason, failure_kind=kind,
            finished_at=timezone.now(), needs_recording=needs_recording,
        )
    )


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
        status=JobStatus.COMPLETED, phase=JobPhase.DONE, run_id=run_id, experiment_id=experiment_id,
        finished_at=timezone.now(), needs_recording=False, error="", failure_kind="",
    )
    return bool(done)


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
        why = (f"worker lost in phase {job.phase} (no heartbeat for {settings.LB_HEARTBEAT_TIMEOUT_S:.0f} s)"
               if lost else f"running past its deadline ({timeout} s + {settings.LB_RUN_GRACE_S:.0f} s grace)")
        if job.attempts < job.max_attempts:
            counts["requeued"] += job_release(job_id=str(job.pk), worker=job.worker, reason=why,
                                              resource_class=job.resource_class)
        else:
            counts["failed"] += Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker).update(
                status=JobStatus.FAILED, phase=JobPhase.DONE, failure_kind=FailureKind.PLATFORM,
                finished_at=now, error=f"gave up after {job.attempts} attempts: {why}",
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
        status=JobStatus.FAILED, phase=JobPhase.DONE, failure_kind=FailureKind.PLATFORM, finished_at=now,
        error=f"waited in the queue past its deadline ({settings.LB_PENDING_DEADLINE_S:.0f} s)",
    )
    return counts


def _queue_length(pool: str) -> int:
    return job_queue.get().pool_depth(pool)
