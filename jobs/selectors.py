"""Reads about jobs and submissions shared by the API, pages and services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.compiled_read import CompiledRead, Param
from core.errors import NotFound
from core.visibility import get_visible, visible
from jobs.models import ACTIVE_STATUSES, FailureKind, Job, JobStatus
from phases.models import Phase
from submissions.models import Submission
from submissions.selectors import submission_for  # noqa: F401  (jobs' services read it here)
from teams.selectors import is_member, team_ids_of

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _visible(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """Owner, the owner's team and staff only: the API's jobs, logs, results and the live socket."""
    if user.is_staff or not user.is_authenticated:
        return visible(queryset, user)
    return queryset.filter(Q(owner_id=user.pk) | Q(team_id__in=team_ids_of(user)))


# --- Who sees a job's public face (its page, pictures, MLflow run, policy replay) -----------------
# The rule lives with the boards (``leaderboard.selectors.public_jobs``: completed jobs of an unhidden
# entry on a shown board); the leaderboard registers it here at start-up so ``jobs`` and the apps
# between (``agents``) read it without importing upward. With no board app, no job is public.
_public_jobs_rule: list[Callable[[QuerySet], QuerySet]] = []


def set_public_jobs_rule(rule: Callable[[QuerySet], QuerySet]) -> None:
    _public_jobs_rule[:] = [rule]


def public_jobs(queryset: QuerySet | None = None) -> QuerySet:
    """The jobs of ``queryset`` (default: all) that a shown board lists, for everyone to see."""
    queryset = Job.objects.all() if queryset is None else queryset
    return _public_jobs_rule[0](queryset) if _public_jobs_rule else queryset.none()


def jobs_visible_to(*, user: AbstractBaseUser, queryset: QuerySet | None = None) -> QuerySet:
    """Staff: every job; a signed-in user: their own and the public ones; anonymous: the public ones."""
    queryset = Job.objects.all() if queryset is None else queryset
    if user.is_staff:
        return queryset
    public = public_jobs(queryset)
    if not user.is_authenticated:
        return public
    return queryset.filter(Q(owner_id=user.pk) | Q(team_id__in=team_ids_of(user)) | Q(pk__in=public.values("pk")))


def job_visible_to(*, user: AbstractBaseUser, job: Job) -> bool:
    if user.is_staff or (user.is_authenticated and job.owner_id == user.pk):
        return True
    if job.team_id is not None and is_member(user=user, team_id=job.team_id):
        return True
    return public_jobs(Job.objects.filter(pk=job.pk)).exists()


def _get(queryset: QuerySet, pk, what: str):
    return get_visible(queryset, pk, what)


def job_for(*, user: AbstractBaseUser, job_id) -> Job:
    return _get(_visible(Job.objects.all(), user), job_id, "job")


# What the status endpoint reads: no joins, no result or metrics columns.
STATUS_FIELDS = (
    "id",
    "submission_id",
    "owner_id",
    "benchmark",
    "status",
    "phase",
    "attempts",
    "max_attempts",
    "resource_class",
    "created_at",
    "started_at",
    "finished_at",
    "error",
    "failure_kind",
    "queued_at",
)


def job_status_for(*, user: AbstractBaseUser, job_id) -> Job:
    """Like :func:`job_for`, loading only what ``GET /api/jobs/<id>/status`` shows.

    Every client polls it, so it is SQL of its own (through ``raw()``, which still
    converts the columns and builds the model): compiling the ORM query cost as much
    CPU as running it (docs/performance.md). Visibility is :func:`core.visibility.visible`'s:
    staff see every job, others their own."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(f"No job {job_id} visible to you.") from None
    params = [Job._meta.pk.get_db_prep_value(pk, connection), *([] if user.is_staff else [user.pk])]
    for job in Job.objects.raw(_status_sql(mine=not user.is_staff), params):
        return job
    team_job = Job.objects.only(*STATUS_FIELDS).filter(pk=pk, team_id__in=team_ids_of(user)).first()
    if team_job is not None:  # a teammate's job: off the hot path (only after the owner's read missed)
        return team_job
    raise NotFound(f"No job {job_id} visible to you.")


@cache
def _status_sql(*, mine: bool) -> str:
    columns = ", ".join(f'"{Job._meta.get_field(name).column}"' for name in STATUS_FIELDS)
    owner = f' AND "{Job._meta.get_field("owner").column}" = %s' if mine else ""
    return f'SELECT {columns} FROM "{Job._meta.db_table}" WHERE "{Job._meta.pk.column}" = %s{owner}'


def jobs_of(*, user: AbstractBaseUser) -> QuerySet:
    return _visible(Job.objects.only(*STATUS_FIELDS), user)


def active_job_count(*, owner: AbstractBaseUser) -> int:
    return Job.objects.filter(owner=owner, status__in=ACTIVE_STATUSES).count()


def parse_rate(rate: str) -> tuple[int, timedelta]:
    count, _, period = rate.partition("/")
    number = "".join(ch for ch in period if ch.isdigit()) or "1"
    unit = period[len(number) :] if period[:1].isdigit() else period
    return int(count), timedelta(seconds=int(number) * _PERIODS[unit[:1].lower()])


def job_rate_limit() -> tuple[int, timedelta]:
    return parse_rate(settings.LB_RATE_JOBS_HOUR)


def counts_against_quota() -> Q:
    """Jobs a user is charged for: not cancelled, and not failed by the platform *before it was scored*.

    A score is a spent job: one that failed after its score was saved (``needs_recording``:
    MLflow refused or was away) counts, whatever happened next. This is the rule's one
    definition: the enqueue's check, the phase limits (``jobs.admission``) and the usage
    ``/api/me`` shows all call it (tests/jobs/test_quota_rule_one_place.py)."""
    return ~Q(status=JobStatus.CANCELLED) & ~Q(
        status=JobStatus.FAILED, failure_kind=FailureKind.PLATFORM, needs_recording=False
    )


@dataclass(frozen=True)
class RateUsage:
    limit: int
    window: timedelta
    used: int
    frees_at: datetime | None  # when the next slot frees, if the user is at the limit

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


@dataclass(frozen=True)
class EnqueueCheck:
    benchmark: str | None  # the submission's, or None when the user may not see it
    active: int
    rate: RateUsage


def _enqueue_check_query(variant: tuple, *, owner_id: int, submission_id: uuid.UUID, since: datetime) -> QuerySet:
    """The enqueue's one read: the personal submission's benchmark (no row when the owner may not
    see it, or it is a team's), the owner's active jobs, and the jobs the rate counts since ``since``.
    ``variant`` is (staff?, the quota rule): each pair is its own statement."""
    staff, counted = variant
    owner = get_user_model()(pk=owner_id, is_staff=staff)  # who asks, for the visibility rule alone
    mine = Job.objects.filter(owner_id=owner_id).order_by().values("owner_id")  # indexes owner+status, owner+created_at

    def count(jobs: QuerySet) -> Coalesce:
        # COUNT(*), not COUNT(id): a count of rows is read from the index alone, where counting a
        # column the index lacks reads each counted job's row as well (tests/jobs/test_job_indexes.py).
        return Coalesce(Subquery(jobs.annotate(n=Count("*")).values("n")), 0)

    personal = Submission.objects.filter(pk=submission_id, team__isnull=True).order_by()  # a team's counts by team
    return (
        visible(personal, owner)
        .annotate(
            active=count(mine.filter(status__in=ACTIVE_STATUSES)),
            used=count(mine.filter(counted, created_at__gte=since)),
        )
        .values_list("benchmark", "active", "used")
    )


# Built by the ORM once per process and variant, then run as SQL (core.compiled_read): building these
# three reads through the ORM cost about half of the enqueue's Python on every request (docs/performance.md).
# A placeholder is a value no real argument takes; the ORM's statement must contain each one.
ENQUEUE_CHECK = CompiledRead(
    _enqueue_check_query,
    owner_id=Param(Job._meta.get_field("owner"), -1_730_041_913),  # in range of a 32-bit key
    submission_id=Param(Submission._meta.pk, uuid.UUID("6e1c3a52-0b1f-4c7e-9a57-d1a0c0ffee00")),
    since=Param(Job._meta.get_field("created_at"), datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)),
)


def enqueue_check(*, owner: AbstractBaseUser, submission_id) -> EnqueueCheck:
    """The submission's benchmark (None when the owner may not see it, or it is a team's) and both
    limit counts, in one statement.

    Read it under the owner's enqueue lock (``jobs.enqueue_lock``): then the counts include
    a racing request's job."""
    try:
        submission_uuid = uuid.UUID(str(submission_id))
    except ValueError:
        raise NotFound(f"No submission {submission_id} visible to you.") from None
    limit, window = job_rate_limit()
    since = timezone.now() - window
    row = ENQUEUE_CHECK.fetchone(
        (owner.is_staff, counts_against_quota()), owner_id=owner.pk, submission_id=submission_uuid, since=since
    )
    benchmark, active, used = row if row is not None else (None, 0, 0)
    return EnqueueCheck(
        benchmark=benchmark,
        active=active,
        rate=rate_usage_of(side=Q(owner=owner), used=used, limit=limit, window=window, since=since),
    )


def rate_usage_of(*, side: Q, used: int, limit: int, window: timedelta, since: datetime) -> RateUsage:
    """The rate usage an enqueue check counted for ``side`` (``Q(owner=...)``, or ``Q(team_id=...)`` for
    a team's), with when the next slot frees if it is used up."""
    frees_at = None
    if used >= limit:  # the refusal path only: the (used - limit)-th oldest must leave the window first
        counted = Job.objects.filter(counts_against_quota(), side, created_at__gte=since)
        oldest = counted.order_by("created_at").values_list("created_at", flat=True)[used - limit]
        frees_at = oldest + window
    return RateUsage(limit=limit, window=window, used=used, frees_at=frees_at)


def job_rate_usage(*, owner: AbstractBaseUser) -> RateUsage:
    """How many of the owner's jobs count in the current window: one COUNT on the
    hot path, and one more row only when the owner is at the limit."""
    limit, window = job_rate_limit()
    since = timezone.now() - window
    used = Job.objects.filter(counts_against_quota(), owner=owner, created_at__gte=since).count()
    return rate_usage_of(side=Q(owner=owner), used=used, limit=limit, window=window, since=since)


# --- Pools (fleet): each resource class names the pool whose queue its jobs go to.


def pool_for(resource_class: str) -> str:
    """The pool of a resource class; ``default`` for a class without one (or one since removed)."""
    return settings.LB_RESOURCE_CLASSES.get(resource_class, {}).get("pool", "default")


def in_pools(pools) -> Q:
    """A filter for jobs whose resource class is in one of ``pools``."""
    pools = set(pools)
    if not pools:
        return Q(pk__in=[])
    if "default" in pools:  # unknown classes fall back to the default pool
        others = [
            name for name, spec in settings.LB_RESOURCE_CLASSES.items() if spec.get("pool", "default") not in pools
        ]
        return ~Q(resource_class__in=others)
    return Q(
        resource_class__in=[
            name for name, spec in settings.LB_RESOURCE_CLASSES.items() if spec.get("pool", "default") in pools
        ]
    )


def running_job_of(*, worker: str) -> str | None:
    """The id of the job ``worker`` is running, if any (the fleet heartbeat reports it)."""
    job_id = Job.objects.filter(worker=worker, status=JobStatus.RUNNING).values_list("pk", flat=True).first()
    return str(job_id) if job_id else None


# --- Phases: a job belongs to the phase it was enqueued in.


def phase_jobs(phase: Phase) -> QuerySet:
    """Jobs that belong to the phase: enqueued inside its window (however late they finish)."""
    jobs = Job.objects.filter(benchmark=phase.benchmark)
    if phase.starts_at is not None:
        jobs = jobs.filter(created_at__gte=phase.starts_at)
    if phase.ends_at is not None:
        jobs = jobs.filter(created_at__lt=phase.ends_at)
    return jobs
