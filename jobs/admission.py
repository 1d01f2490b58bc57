"""Whether a job may be enqueued under its benchmark's phase: the dates and the per-user limits.

The rules (dates, limits, time zone) belong to ``phases``; counting the owner's jobs
belongs here, since only ``jobs`` knows jobs. :func:`admit_job` runs inside the enqueue
under the owner's enqueue lock (``jobs.enqueue_lock``), so two
racing requests cannot both take a phase's last slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone

from core.errors import Conflict, LimitExceeded
from jobs import selectors
from jobs.models import ACTIVE_STATUSES
from phases import selectors as phases
from phases.models import Phase, PhaseState


@dataclass(frozen=True)
class PhaseUsage:
    today: int
    total: int
    active: int


def usage(phase: Phase, *, owner: AbstractBaseUser, now: datetime) -> PhaseUsage:
    """One query: the owner's jobs that count today, in the whole phase, and those still active."""
    counted = selectors.counts_against_quota()  # the one definition, looked up when called
    row = (
        selectors.phase_jobs(phase)
        .filter(owner=owner)
        .aggregate(
            today=Count("pk", filter=counted & Q(created_at__gte=phases.day_start(phase, now))),
            total=Count("pk", filter=counted),
            active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        )
    )
    return PhaseUsage(today=row["today"], total=row["total"], active=row["active"])


def admit_job(*, owner: AbstractBaseUser, benchmark: str) -> Phase:
    """Refuse a job outside a running phase (409) or past one of the phase's limits (429 or 409).

    Call it under the owner's enqueue lock: the counts it reads must include a racing request's job.
    """
    now = timezone.now()
    phase = phases.running_phase(benchmark, now=now)
    if not phase.has_limits:
        return phase
    used = usage(phase, owner=owner, now=now)
    if phase.max_concurrent is not None and used.active >= phase.max_concurrent:
        raise LimitExceeded(
            f"{used.active} of your jobs in phase {phase.name!r} are pending or running; the phase "
            f"allows {phase.max_concurrent} at a time.",
            code="phase_concurrent_limit",
        )
    if phase.max_total is not None and used.total >= phase.max_total:
        raise Conflict(
            f"You have used all {phase.max_total} submissions of phase {phase.name!r}.",
            code="phase_total_limit",
            extra={"limit": phase.max_total},
        )
    if phase.max_per_day is not None and used.today >= phase.max_per_day:
        resets = phases.next_midnight(phase, now)
        retry_after = max(int((resets - now).total_seconds()) + 1, 1)
        raise LimitExceeded(
            f"You have used today's {phase.max_per_day} submissions of phase {phase.name!r}; "
            f"the count resets at {resets.isoformat()} ({phase.timezone} midnight).",
            code="phase_daily_limit",
            headers={"Retry-After": str(retry_after)},
            extra={"limit": phase.max_per_day, "resets_at": resets.isoformat()},
        )
    return phase


def limits_of(phase: Phase, *, owner: AbstractBaseUser, now: datetime) -> list[dict]:
    """The phase's limits and the owner's usage, in the shape of ``/api/me``'s ``limits``."""
    if phase.state(now) != PhaseState.RUNNING or not phase.has_limits:
        return []
    used = usage(phase, owner=owner, now=now)
    end = phase.ends_at.isoformat() if phase.ends_at else None
    rows = [
        ("phase_jobs_per_day", phase.max_per_day, used.today, 86400, phases.next_midnight(phase, now).isoformat()),
        ("phase_jobs_total", phase.max_total, used.total, None, end),
        ("phase_concurrent_jobs", phase.max_concurrent, used.active, None, None),
    ]
    return [
        {"name": name, "limit": limit, "used": count, "window_s": window, "frees_at": frees}
        for name, limit, count, window, frees in rows
        if limit is not None
    ]
