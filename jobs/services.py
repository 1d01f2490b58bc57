"""The API's writes for jobs: enqueue, cancel, re-run. Every state change is a conditional
update on the status it expects, so two workers, a sweeper and a cancelling user can never
both win. The worker's transitions are in jobs/transitions.py, the sweeper in jobs/sweeper.py.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import ExitStack

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from jobs import admission, selectors, team_quota
from jobs import queue as job_queue
from jobs.enqueue_lock import enqueue_lock, team_lock
from jobs.models import ACTIVE_STATUSES, Job, JobPhase, JobStatus

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
    return (
        job.owner_id == owner.pk
        and str(job.submission_id) == str(submission_id)
        and (job.resource_class == resource_class)
    )


def job_enqueue(
    *,
    owner: AbstractBaseUser,
    submission_id: uuid.UUID | str,
    job_id: uuid.UUID | None = None,
    resource_class: str | None = None,
    train_seed: int | None = None,
    seed_group: uuid.UUID | None = None,
) -> tuple[Job, bool]:
    """Create and queue a job; returns ``(job, created)``.

    ``train_seed``/``seed_group``: one seed of a "k seeds" request (see :func:`seed_group_enqueue`).

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
    job = Job(
        id=job_id or uuid.uuid4(),
        submission_id=submission_id,
        owner=owner,
        benchmark="",
        resource_class=resource_class,
        max_attempts=settings.LB_MAX_ATTEMPTS,
        queued_at=timezone.now(),
        train_seed=train_seed,
        seed_group=seed_group,
    )
    try:
        # The owner's lock, the submission and both limits, the phase rules, the insert; then
        # the commit and, after it, the queue push. One path, in the ORM: the quota rule is
        # selectors.counts_against_quota alone (docs/performance.md has what it costs).
        with enqueue_lock(owner), ExitStack() as team_held:
            check = selectors.enqueue_check(owner=owner, submission_id=submission_id)
            if check.benchmark is None:  # not the owner's, or a team's: a team's counts by team (jobs.team_quota)
                job.team_id = team_quota.team_of_submission(submission_id)
                if job.team_id is not None:
                    team_held.enter_context(team_lock(job.team_id))
                    check = team_quota.team_enqueue_check(owner=owner, submission_id=submission_id, team_id=job.team_id)
            if check.benchmark is None:
                raise NotFound(f"No submission {submission_id} visible to you.")
            # phase dates and per-phase limits, counted for the team when the job is a team's
            admission.admit_job(owner=owner, benchmark=check.benchmark, team_id=job.team_id)
            _check_limits(check)
            job.benchmark = check.benchmark
            # On SQLite the insert commits on its own (autocommit): put in a transaction, it queued on the
            # database's writer flock (held through the commit, checkpoints included), and the enqueue's
            # P95 at 50 clients rose from 94-97 ms to 101-108 ms (docs/performance.md).
            job.save(force_insert=True)
            _enqueue_after_commit(job.id, resource_class)
    except IntegrityError:
        # A concurrent request with the same key won the insert.
        existing = Job.objects.filter(pk=job_id).first()
        if existing is None:
            raise
        return _replay(existing, owner=owner, submission_id=submission_id, resource_class=resource_class)
    return job, True


def _replay(existing: Job, *, owner, submission_id, resource_class: str) -> tuple[Job, bool]:
    if _same_request(existing, owner=owner, submission_id=submission_id, resource_class=resource_class):
        return existing, False
    raise Conflict(f"job_id {existing.pk} was already used for a different request.", code="idempotency_conflict")


def job_cancel(*, job: Job, actor: AbstractBaseUser) -> Job:
    """Cancel a pending or running job; the worker kills the run within seconds."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
        status=JobStatus.CANCELLED, finished_at=now, error=f"cancelled by {actor}", phase=JobPhase.DONE
    )
    job.refresh_from_db()
    if not updated:
        raise Conflict(
            f"Job is already {job.status}; only pending or running jobs can be cancelled.", code="not_cancellable"
        )
    return job


def job_rerun(*, job: Job, actor: AbstractBaseUser) -> Job:
    """Staff: run the same submission again as a new job (history is kept)."""
    new = Job.objects.create(
        submission_id=job.submission_id,
        owner_id=job.owner_id,
        team_id=job.team_id,
        benchmark=job.benchmark,
        resource_class=job.resource_class,
        max_attempts=settings.LB_MAX_ATTEMPTS,
        queued_at=timezone.now(),
    )
    _enqueue_after_commit(new.id, new.resource_class)
    return new


# --- Seeds (issue 34): k training seeds of one submission, each one job against every limit.


def seed_group_enqueue(
    *, owner: AbstractBaseUser, submission_id: uuid.UUID | str, seeds: int, resource_class: str | None = None
) -> list[Job]:
    """Queue ``seeds`` jobs of one submission, seed ``i`` getting ``LB_TRAIN_SEED=i``, linked by one
    ``seed_group``. All or nothing: each goes through :func:`job_enqueue` (its limits, its phase rules),
    inside one transaction, so a limit that refuses seed 3 refuses the request and queues none."""
    from benchmarks import registry  # plain Python, no Django: the benchmark's cap

    submission = selectors.submission_for(user=owner, submission_id=submission_id, fields=("id", "benchmark"))
    cap = registry.get(submission.benchmark).max_seeds
    if not isinstance(seeds, int) or isinstance(seeds, bool) or not 1 <= seeds <= cap:
        raise InvalidInput(f"seeds must be an integer from 1 to {cap} on {submission.benchmark}.", code="bad_seeds")
    group = uuid.uuid4()
    with transaction.atomic():
        return [
            job_enqueue(
                owner=owner,
                submission_id=submission.pk,
                resource_class=resource_class,
                train_seed=seed,
                seed_group=group,
            )[0]
            for seed in range(seeds)
        ]


# --- Reproduction (issue 34; leaderboard/reproduction.py decides which jobs and judges the result).


def job_reproduce(*, job: Job, owner: AbstractBaseUser, again: bool = False) -> Job | None:
    """Queue a platform re-run of the completed ``job`` from its stored archive, with its training seed,
    owned by ``owner`` (the platform's account: it counts against no participant's limits). None when the
    job already has a re-run (``again``: one still pending or running): the original's row is locked, so
    two callers make one."""
    with transaction.atomic():
        original = Job.objects.select_for_update().filter(pk=job.pk, status=JobStatus.COMPLETED).first()
        existing = original.reproductions.all() if original is not None else None
        if again and existing is not None:
            existing = existing.filter(status__in=ACTIVE_STATUSES)
        if original is None or existing.exists():
            return None
        new = Job.objects.create(
            submission_id=original.submission_id,
            owner=owner,
            benchmark=original.benchmark,
            resource_class=original.resource_class,
            max_attempts=settings.LB_MAX_ATTEMPTS,
            queued_at=timezone.now(),
            train_seed=original.train_seed,
            reproduces=original,
        )
        _enqueue_after_commit(new.id, new.resource_class)
    return new


def seed_group_rerun(*, job: Job, seeds: int) -> list[Job]:
    """Staff: run ``job``'s submission again with ``seeds`` training seeds as one group, owned by its owner
    (so the group joins the owner's board line) and, like :func:`job_rerun`, refused by no limit."""
    group = uuid.uuid4()
    with transaction.atomic():
        made = [
            Job.objects.create(
                submission_id=job.submission_id,
                owner_id=job.owner_id,
                benchmark=job.benchmark,
                resource_class=job.resource_class,
                max_attempts=settings.LB_MAX_ATTEMPTS,
                queued_at=timezone.now(),
                train_seed=seed,
                seed_group=group,
            )
            for seed in range(seeds)
        ]
        for new in made:
            _enqueue_after_commit(new.id, new.resource_class)
    return made
