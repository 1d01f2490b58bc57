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
    elsewhere: int = 0  # the owner's jobs in the phase made for another side (alone, or another team)


def usage(phase: Phase, *, owner: AbstractBaseUser, now: datetime, team_id: int | None = None) -> PhaseUsage:
    """One query: the owner's jobs that count today, in the whole phase, and those still active.
    The owner is the team when ``team_id`` is given (a team's jobs count for the team, whoever made them)."""
    counted = selectors.counts_against_quota()  # the one definition, looked up when called
    if team_id is None:
        jobs, side, elsewhere = selectors.phase_jobs(phase).filter(owner=owner), Q(), Q(team__isnull=False)
    else:
        jobs = selectors.phase_jobs(phase).filter(Q(team_id=team_id) | Q(owner=owner))
        side, elsewhere = Q(team_id=team_id), Q(owner=owner) & ~Q(team_id=team_id)
    row = jobs.aggregate(
        today=Count("pk", filter=side & counted & Q(created_at__gte=phases.day_start(phase, now))),
        total=Count("pk", filter=side & counted),
        active=Count("pk", filter=side & Q(status__in=ACTIVE_STATUSES)),
        elsewhere=Count("pk", filter=elsewhere),
    )
    return PhaseUsage(today=row["today"], total=row["total"], active=row["active"], elsewhere=row["elsewhere"])


def admit_job(*, owner: AbstractBaseUser, benchmark: str, team_id: int | None = None) -> Phase:
    """Refuse a job outside a running phase (409) or past one of the phase's limits (429 or 409).

    Call it under the owner's enqueue lock: the counts it reads must include a racing request's job.
    In a phase with limits a person submits for one side only (themselves, or one team): joining a
    team mid-phase, or switching teams, would otherwise buy a fresh set of limits.
    """
    now = timezone.now()
    phase = phases.running_phase(benchmark, now=now)
    if not phase.has_limits:
        # No phase limit to reset, but a team's own quota: one team per person in a configured phase.
        if team_id is not None and not phase.is_implicit and _elsewhere(phase, owner=owner, team_id=team_id):
            raise _one_side(phase)
        return phase
    used = usage(phase, owner=owner, now=now, team_id=team_id)
    if used.elsewhere:
        raise _one_side(phase)
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


def _elsewhere(phase: Phase, *, owner: AbstractBaseUser, team_id: int) -> bool:
    """Whether the owner has jobs in the phase made for another side (alone, or another team)."""
    return selectors.phase_jobs(phase).filter(Q(owner=owner) & ~Q(team_id=team_id)).exists()


def _one_side(phase: Phase) -> Conflict:
    return Conflict(
        f"In phase {phase.name!r} you have already submitted for another side (yourself or another team); "
        "a person submits for one side per phase, so that changing teams cannot reset its limits.",
        code="phase_team_locked",
    )


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
