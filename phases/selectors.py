"""The clock of a benchmark's phases: reads that the apps above call directly.

``submissions`` calls :func:`admit_upload`; ``jobs`` calls :func:`running_phase`
(``jobs/admission.py`` counts the owner's jobs against the phase's limits, since only
``jobs`` knows jobs); ``leaderboard`` reads phases for its boards.
A benchmark with no phase configured has one implicit phase, always running, with no
limits: it behaves as before phases existed.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, NotFound
from phases.cache import phases_key
from phases.models import Phase, PhaseState, RankedPart

logger = logging.getLogger(__name__)


def phases_of(slug: str) -> list[Phase]:
    return list(Phase.objects.filter(benchmark=slug).order_by("starts_at"))


def admission_phases(slug: str) -> list[Phase]:
    """``phases_of``, from the shared cache: every enqueue and upload asks which phase runs.

    Phases change only through model saves and deletes (``phases.cache`` forgets them) and
    the writes that call ``leaderboard.board_cache.board_changed`` (close, reveal), which
    forget them as they do the boards; the clock is applied to the rows on every read.
    With the cache down, the rows come from the database."""
    try:
        cached = cache.get(phases_key(slug))
    except Exception:
        logger.warning("phase cache unavailable; reading the phases of %s", slug, exc_info=True)
        return phases_of(slug)
    if cached is not None:
        return cached
    return _read_and_cache(slug)


def _read_and_cache(slug: str) -> list[Phase]:
    rows = phases_of(slug)
    try:
        cache.set(phases_key(slug), rows, timeout=settings.LB_BOARD_CACHE_S)
    except Exception:
        logger.warning("could not cache the phases of %s", slug, exc_info=True)
    return rows


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
        raise Conflict(
            f"Phase {upcoming.name!r} of {slug} starts at {upcoming.starts_at.isoformat()}; submissions open then.",
            code="phase_not_started",
            extra={"starts_at": upcoming.starts_at.isoformat(), "phase": upcoming.name},
        )
    ended_at = phase.ends_at or phase.revealed_at
    raise Conflict(
        f"Phase {phase.name!r} of {slug} ended at {ended_at.isoformat() if ended_at else 'its close'}; "
        "it accepts no more submissions.",
        code="phase_ended",
        extra={"ended_at": ended_at.isoformat() if ended_at else None, "phase": phase.name},
    )


def limited_running_phases(*, now: datetime) -> list[Phase]:
    """Every running phase that sets a per-user limit (``/api/me`` shows their usage)."""
    limited = Q(max_per_day__isnull=False) | Q(max_total__isnull=False) | Q(max_concurrent__isnull=False)
    return list(Phase.objects.filter(limited, starts_at__lte=now, ends_at__gt=now, revealed_at__isnull=True))


def day_start(phase: Phase, now: datetime) -> datetime:
    """The last midnight in the phase's time zone (UTC unless it sets one)."""
    zone = ZoneInfo(phase.timezone or "UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone)


def next_midnight(phase: Phase, now: datetime) -> datetime:
    zone = ZoneInfo(phase.timezone or "UTC")
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)


def admit_upload(*, benchmark: str) -> None:
    """Refuse an upload outside a running phase (409 phase_not_started / phase_ended)."""
    running_phase(benchmark)


def phase_info(phase: Phase, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    state = phase.state(now)
    deadline = (
        phase.starts_at if state == PhaseState.UPCOMING else phase.ends_at if state == PhaseState.RUNNING else None
    )
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
