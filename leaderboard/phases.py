"""The clock and the limits of a benchmark's phases: reads that other apps call.

``submissions`` calls :func:`admit_upload` and ``jobs`` calls :func:`admit_job`
(one line each). A benchmark with no phase configured has one implicit phase,
always running, with no limits: it behaves as before phases existed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from benchmarks import registry
from core.errors import Conflict, LimitExceeded, NotFound
from leaderboard.cache_keys import namespace
from leaderboard.models import Phase, PhaseState, RankedPart

logger = logging.getLogger(__name__)


def phases_of(slug: str) -> list[Phase]:
    return list(Phase.objects.filter(benchmark=slug).order_by("starts_at"))


def _phases_key(slug: str) -> str:
    return f"lb:phases:{namespace()}:{slug}"


def admission_phases(slug: str) -> list[Phase]:
    """``phases_of``, from the shared cache: every enqueue and upload asks which phase runs.

    Phases change only through writes that call ``board_cache.board_changed`` (the phase
    signals, close, reveal), which forgets this entry at the write and after its commit,
    as it does the boards; the clock is applied to the rows on every read. With the cache
    down, the rows come from the database."""
    key = _phases_key(slug)
    try:
        cached = cache.get(key)
    except Exception:
        logger.warning("phase cache unavailable; reading the phases of %s", slug, exc_info=True)
        return phases_of(slug)
    if cached is not None:
        return cached
    return _read_and_cache(slug)


def _read_and_cache(slug: str) -> list[Phase]:
    rows = phases_of(slug)
    try:
        cache.set(_phases_key(slug), rows, timeout=settings.LB_BOARD_CACHE_S)
    except Exception:
        logger.warning("could not cache the phases of %s", slug, exc_info=True)
    return rows


def admission_phases_of_all(slugs: list[str]) -> dict[str, list[Phase]]:
    """:func:`admission_phases` for several benchmarks: one cache read for all of them."""
    keys = {_phases_key(slug): slug for slug in slugs}
    try:
        cached = cache.get_many(list(keys))
    except Exception:
        logger.warning("phase cache unavailable; reading the phases of %s", ", ".join(slugs), exc_info=True)
        return {slug: phases_of(slug) for slug in slugs}
    found = {keys[key]: rows for key, rows in cached.items()}
    for slug in slugs:
        if slug not in found:
            found[slug] = _read_and_cache(slug)
    return found


def forget_phases(slug: str) -> None:
    cache.delete(_phases_key(slug))


def implicit_phase(slug: str) -> Phase:
    """The unsaved stand-in for a benchmark with no phase: open-ended, revealed by the staff close."""
    return Phase(benchmark=slug, name="Open", starts_at=None, ends_at=None, ranks_on=RankedPart.PRIVATE)


def current_phase(slug: str, *, now: datetime | None = None, phases: list[Phase] | None = None) -> Phase:
    """The running phase; else the latest one that has started; else the next one; else the implicit one."""
    now = now or timezone.now()
    phases = phases_of(slug) if phases is None else phases
    if not phases:
        return implicit_phase(slug)
    started = [p for p in phases if p.starts_at <= now]
    running = [p for p in started if p.state(now) == PhaseState.RUNNING]
    if running:
        return running[0]
    return started[-1] if started else phases[0]


def board_phase(slug: str, phase_id: str | int | None, *, now: datetime | None = None) -> Phase:
    if phase_id in (None, ""):
        return current_phase(slug, now=now)
    try:
        return Phase.objects.get(benchmark=slug, pk=int(phase_id))
    except (ValueError, Phase.DoesNotExist):
        raise NotFound(f"No phase {phase_id} on benchmark {slug}.") from None


def running_phase(slug: str, *, now: datetime | None = None) -> Phase:
    """The phase that accepts work now, or the 409 that says why none does."""
    now = now or timezone.now()
    phases = admission_phases(slug)
    phase = current_phase(slug, now=now, phases=phases)
    state = phase.state(now)
    if state == PhaseState.RUNNING:
        return phase
    upcoming = next((p for p in phases if p.starts_at > now), None)
    if upcoming is not None:
        raise Conflict(f"Phase {upcoming.name!r} of {slug} starts at {upcoming.starts_at.isoformat()}; "
                       "submissions open then.", code="phase_not_started",
                       extra={"starts_at": upcoming.starts_at.isoformat(), "phase": upcoming.name})
    ended_at = phase.ends_at or phase.revealed_at
    raise Conflict(f"Phase {phase.name!r} of {slug} ended at {ended_at.isoformat() if ended_at else 'its close'}; "
                   "it accepts no more submissions.", code="phase_ended",
                   extra={"ended_at": ended_at.isoformat() if ended_at else None, "phase": phase.name})


def phase_jobs(phase: Phase) -> QuerySet:
    """Jobs that belong to the phase: enqueued inside its window (however late they finish)."""
    from jobs.models import Job

    jobs = Job.objects.filter(benchmark=phase.benchmark)
    if phase.starts_at is not None:
        jobs = jobs.filter(created_at__gte=phase.starts_at)
    if phase.ends_at is not None:
        jobs = jobs.filter(created_at__lt=phase.ends_at)
    return jobs


def day_start(phase: Phase, now: datetime) -> datetime:
    """The last midnight in the phase's time zone (UTC unless it sets one)."""
    zone = ZoneInfo(phase.timezone or "UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone)


def next_midnight(phase: Phase, now: datetime) -> datetime:
    zone = ZoneInfo(phase.timezone or "UTC")
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)


@dataclass(frozen=True)
class PhaseUsage:
    today: int
    total: int
    active: int


def usage(phase: Phase, *, owner: AbstractBaseUser, now: datetime) -> PhaseUsage:
    """One query: the owner's jobs that count today, in the whole phase, and those still active."""
    from jobs.models import ACTIVE_STATUSES
    from jobs.selectors import counts_against_quota

    counted = counts_against_quota()
    row = phase_jobs(phase).filter(owner=owner).aggregate(
        today=Count("pk", filter=counted & Q(created_at__gte=day_start(phase, now))),
        total=Count("pk", filter=counted),
        active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
    )
    return PhaseUsage(today=row["today"], total=row["total"], active=row["active"])


def _has_limits(phase: Phase) -> bool:
    return any(v is not None for v in (phase.max_per_day, phase.max_total, phase.max_concurrent))


def admit_upload(*, benchmark: str) -> None:
    """Refuse an upload outside a running phase (409 phase_not_started / phase_ended)."""
    running_phase(benchmark)


def admit_job(*, owner: AbstractBaseUser, benchmark: str) -> Phase:
    """Refuse a job outside a running phase or past one of the phase's limits.

    Called inside the enqueue transaction that holds the owner's row lock, so
    two racing requests cannot both take the last slot.
    """
    now = timezone.now()
    phase = running_phase(benchmark, now=now)
    if not _has_limits(phase):
        return phase
    used = usage(phase, owner=owner, now=now)
    if phase.max_concurrent is not None and used.active >= phase.max_concurrent:
        raise LimitExceeded(f"{used.active} of your jobs in phase {phase.name!r} are pending or running; the phase "
                            f"allows {phase.max_concurrent} at a time.", code="phase_concurrent_limit")
    if phase.max_total is not None and used.total >= phase.max_total:
        raise Conflict(f"You have used all {phase.max_total} submissions of phase {phase.name!r}.",
                       code="phase_total_limit", extra={"limit": phase.max_total})
    if phase.max_per_day is not None and used.today >= phase.max_per_day:
        resets = next_midnight(phase, now)
        retry_after = max(int((resets - now).total_seconds()) + 1, 1)
        raise LimitExceeded(f"You have used today's {phase.max_per_day} submissions of phase {phase.name!r}; "
                            f"the count resets at {resets.isoformat()} ({phase.timezone} midnight).",
                            code="phase_daily_limit", headers={"Retry-After": str(retry_after)},
                            extra={"limit": phase.max_per_day, "resets_at": resets.isoformat()})
    return phase


def open_to_jobs(*, now: datetime) -> set[str]:
    """The benchmarks whose running phase admits a job without counting the owner's jobs:
    :func:`admit_job` would pass for any owner. Others are decided by :func:`admit_job`."""
    slugs = [benchmark.slug for benchmark in registry.all_benchmarks()]
    open_now = set()
    for slug, rows in admission_phases_of_all(slugs).items():
        phase = current_phase(slug, now=now, phases=rows)
        if phase.state(now) == PhaseState.RUNNING and not _has_limits(phase):
            open_now.add(slug)
    return open_now


def limits_of(phase: Phase, *, owner: AbstractBaseUser, now: datetime) -> list[dict]:
    """The phase's limits in the shape of ``/api/me``'s ``limits``."""
    if phase.state(now) != PhaseState.RUNNING or not _has_limits(phase):
        return []
    used = usage(phase, owner=owner, now=now)
    end = phase.ends_at.isoformat() if phase.ends_at else None
    rows = [("phase_jobs_per_day", phase.max_per_day, used.today, 86400, next_midnight(phase, now).isoformat()),
            ("phase_jobs_total", phase.max_total, used.total, None, end),
            ("phase_concurrent_jobs", phase.max_concurrent, used.active, None, None)]
    return [{"name": name, "limit": limit, "used": count, "window_s": window, "frees_at": frees}
            for name, limit, count, window, frees in rows if limit is not None]


def phase_info(phase: Phase, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    state = phase.state(now)
    deadline = phase.starts_at if state == PhaseState.UPCOMING else phase.ends_at if state == PhaseState.RUNNING else None
    return {
        "id": phase.pk,
        "name": phase.name,
        "state": state,
        "starts_at": phase.starts_at.isoformat() if phase.starts_at else None,
        "ends_at": phase.ends_at.isoformat() if phase.ends_at else None,
        "timezone": phase.timezone,
        "ranks_on": phase.ranks_on,
        "board_visible": phase.board_visible,
        "final_max": phase.final_max if phase.leads_to_reveal else 0,
        "revealed_at": phase.revealed_at.isoformat() if phase.revealed_at else None,
        "seconds_left": max(int((deadline - now).total_seconds()), 0) if deadline else None,
    }
