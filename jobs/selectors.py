"""Reads about jobs and submissions shared by the API, pages and services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from jobs.models import ACTIVE_STATUSES, FailureKind, Job, JobStatus
from leaderboard.errors import NotFound
from submissions.models import Submission

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _visible(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    return queryset if user.is_staff else queryset.filter(owner=user)


def _get(queryset: QuerySet, pk, what: str):
    try:
        uuid.UUID(str(pk))
        return queryset.get(pk=pk)
    except (ValueError, ValidationError, queryset.model.DoesNotExist):
        raise NotFound(f"No {what} {pk} visible to you.") from None


def submission_for(*, user: AbstractBaseUser, submission_id, fields: tuple[str, ...] = ()) -> Submission:
    """A submission the user may act on; someone else's answers 404, not 403.
    ``fields`` loads only those columns (the file list can be large)."""
    queryset = Submission.objects.only(*fields) if fields else Submission.objects.all()
    return _get(_visible(queryset, user), submission_id, "submission")


def job_for(*, user: AbstractBaseUser, job_id) -> Job:
    return _get(_visible(Job.objects.all(), user), job_id, "job")


# What the status endpoint reads: no joins, no result or metrics columns.
STATUS_FIELDS = ("id", "submission_id", "owner_id", "benchmark", "status", "phase", "attempts", "max_attempts",
                 "resource_class", "created_at", "started_at", "finished_at", "error", "failure_kind",
                 "queued_at")


def job_status_for(*, user: AbstractBaseUser, job_id) -> Job:
    """Like :func:`job_for`, loading only what ``GET /api/jobs/<id>/status`` shows."""
    return _get(_visible(Job.objects.only(*STATUS_FIELDS), user), job_id, "job")


def jobs_of(*, user: AbstractBaseUser) -> QuerySet:
    return _visible(Job.objects.only(*STATUS_FIELDS), user)


def active_job_count(*, owner: AbstractBaseUser) -> int:
    return Job.objects.filter(owner=owner, status__in=ACTIVE_STATUSES).count()


def parse_rate(rate: str) -> tuple[int, timedelta]:
    count, _, period = rate.partition("/")
    number = "".join(ch for ch in period if ch.isdigit()) or "1"
    unit = period[len(number):] if period[:1].isdigit() else period
    return int(count), timedelta(seconds=int(number) * _PERIODS[unit[:1].lower()])


def job_rate_limit() -> tuple[int, timedelta]:
    return parse_rate(settings.LB_RATE_JOBS_HOUR)


def counts_against_quota() -> Q:
    """Jobs a user is charged for: not cancelled, not failed by the platform."""
    return ~Q(status=JobStatus.CANCELLED) & ~Q(status=JobStatus.FAILED, failure_kind=FailureKind.PLATFORM)


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


def enqueue_check_locked(*, owner: AbstractBaseUser, submission_id) -> EnqueueCheck:
    """Two round trips inside the enqueue transaction: lock the owner's row (so two
    racing requests see each other's jobs), then read the submission's benchmark
    and both limit counts in one statement. They cannot share a statement: on
    PostgreSQL a statement's snapshot predates the lock it waits for, so its
    counts would miss the racing job. SQLite ignores FOR UPDATE; its IMMEDIATE
    transactions serialise the writers instead."""
    try:
        uuid.UUID(str(submission_id))
    except ValueError:
        raise NotFound(f"No submission {submission_id} visible to you.") from None
    limit, window = job_rate_limit()
    get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
    mine = Job.objects.filter(owner=OuterRef("pk")).order_by().values("owner")
    count = Count("id")
    row = (
        get_user_model().objects.filter(pk=owner.pk).annotate(
            lb_benchmark=Subquery(_visible(Submission.objects.filter(pk=submission_id), owner).values("benchmark")[:1]),
            lb_active=Subquery(mine.filter(status__in=ACTIVE_STATUSES).annotate(n=count).values("n")),
            lb_used=Subquery(mine.filter(counts_against_quota(), created_at__gte=timezone.now() - window)
                             .annotate(n=count).values("n")),
        ).values_list("lb_benchmark", "lb_active", "lb_used").first()
    )
    benchmark, active, used = row if row else (None, 0, 0)
    active, used = active or 0, used or 0
    frees_at = None
    if used >= limit:  # the refusal path only: when does the next slot free?
        counted = Job.objects.filter(counts_against_quota(), owner=owner, created_at__gte=timezone.now() - window)
        oldest = counted.order_by("created_at").values_list("created_at", flat=True)[used - limit]
        frees_at = oldest + window
    return EnqueueCheck(benchmark=benchmark, active=active,
                        rate=RateUsage(limit=limit, window=window, used=used, frees_at=frees_at))


def job_rate_usage(*, owner: AbstractBaseUser) -> RateUsage:
    """How many of the owner's jobs count in the current window: one COUNT on the
    hot path, and one more row only when the owner is at the limit."""
    limit, window = job_rate_limit()
    counted = Job.objects.filter(counts_against_quota(), owner=owner, created_at__gte=timezone.now() - window)
    used = counted.count()
    frees_at = None
    if used >= limit:
        # The (used - limit)-th oldest must leave the window before one more fits.
        oldest = counted.order_by("created_at").values_list("created_at", flat=True)[used - limit]
        frees_at = oldest + window
    return RateUsage(limit=limit, window=window, used=used, frees_at=frees_at)


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
        others = [name for name, spec in settings.LB_RESOURCE_CLASSES.items()
                  if spec.get("pool", "default") not in pools]
        return ~Q(resource_class__in=others)
    return Q(resource_class__in=[name for name, spec in settings.LB_RESOURCE_CLASSES.items()
                                 if spec.get("pool", "default") in pools])


def running_job_of(*, worker: str) -> str | None:
    """The id of the job ``worker`` is running, if any (the fleet heartbeat reports it)."""
    job_id = Job.objects.filter(worker=worker, status=JobStatus.RUNNING).values_list("pk", flat=True).first()
    return str(job_id) if job_id else None
