"""Writes of a challenge's end game: final marks, the staff close and the reveal.

Only final entries are ranked on the private part, so nobody gains from
submitting many variants: each participant chooses up to ``final_max`` entries
while the phase runs (each pinned to one completed job), and whoever marks
nothing is ranked on their best *public* entry.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from benchmarks import registry
from core.errors import Conflict, InvalidInput, NotFound
from jobs.models import ACTIVE_STATUSES, Job, JobStatus
from jobs.selectors import phase_jobs
from leaderboard import ranking
from leaderboard.board_cache import board_changed
from leaderboard.entry_keys import entry_key, job_key, jobs_of_entry
from leaderboard.models import Entry, FinalMark
from phases import selectors as phases
from phases.models import Phase, PhaseAudit, PhaseState, RankedPart
from teams import selectors as teams
from teams.models import Team

logger = logging.getLogger(__name__)


def best_public(jobs, primary_metric: str, higher_is_better: bool) -> Job | None:
    """The job with the best public primary value (earlier submission first on ties)."""
    candidates = [
        ranking.Candidate(entry=job.pk, value=job.metrics.get(primary_metric), submitted_at=job.created_at, payload=job)
        for job in jobs
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: ranking.sort_key(c, higher_is_better)).payload


def _own_entry(user: AbstractBaseUser, entry_id: int) -> Entry:
    """The user's own entry, or an entry of one of their teams (any member marks for the team)."""
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None or not (
        (entry.team_id is None and entry.owner_id == user.pk)
        or (entry.team_id is not None and teams.is_member(user=user, team_id=entry.team_id))
    ):
        raise NotFound(f"No entry {entry_id} of yours.")
    return entry


def _phase_for_marks(entry: Entry) -> Phase:
    phase = phases.running_phase(entry.benchmark)
    if not phase.leads_to_reveal:
        raise Conflict(
            f"Phase {phase.name!r} ranks on the public part; it has no final choice.", code="no_final_choice"
        )
    return phase


def _marks(phase: Phase, user: AbstractBaseUser, entry: Entry):
    from leaderboard.selectors import marks_of_side

    return marks_of_side(phase, user=user, team_id=entry.team_id)


@transaction.atomic
def final_mark(*, user: AbstractBaseUser, entry_id: int, job_id: str | None = None) -> dict:
    """Mark an entry final (pinned to ``job_id``, default its best public job); marking it again re-pins it."""
    from leaderboard.selectors import finals_summary

    entry = _own_entry(user, entry_id)
    phase = _phase_for_marks(entry)
    if entry.hidden:
        raise Conflict("This entry is hidden from the board by staff; it cannot be final.", code="entry_hidden")
    # Serialise this side's marks (the user's, or the team's) so two requests cannot both take the last slot.
    if entry.team_id is not None:
        Team.objects.select_for_update().filter(pk=entry.team_id).values_list("pk").first()
    else:
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    jobs = phase_jobs(phase).filter(jobs_of_entry(entry), status=JobStatus.COMPLETED)
    benchmark = registry.get(entry.benchmark)
    if job_id:
        try:
            job = jobs.filter(pk=uuid.UUID(str(job_id))).first()
        except ValueError:
            job = None
        if job is None:
            raise InvalidInput(
                f"Job {job_id} is not a completed job of this entry in phase {phase.name!r}.", code="job_not_in_entry"
            )
    else:
        job = best_public(jobs, benchmark.primary_metric, benchmark.higher_is_better)
        if job is None:
            raise Conflict(f"This entry has no completed job in phase {phase.name!r} yet.", code="nothing_completed")
    marks = _marks(phase, user, entry)
    if marks.filter(entry=entry).update(job=job, by_default=False, marked_at=timezone.now()) == 0:
        marked = list(marks.select_related("entry"))
        if len(marked) >= phase.final_max:
            names = ", ".join(m.entry.method for m in marked)
            raise Conflict(
                f"You have marked {len(marked)} of {phase.final_max} entries final ({names}); unmark one first.",
                code="final_limit_reached",
            )
        FinalMark.objects.create(benchmark=entry.benchmark, phase_id=phase.pk, owner=user, entry=entry, job=job)
    board_changed(entry.benchmark)
    return finals_summary(user=user, phase=phase, team_id=entry.team_id)


@transaction.atomic
def final_unmark(*, user: AbstractBaseUser, entry_id: int) -> dict:
    from leaderboard.selectors import finals_summary

    entry = _own_entry(user, entry_id)
    phase = _phase_for_marks(entry)
    _marks(phase, user, entry).filter(entry=entry).delete()
    board_changed(entry.benchmark)
    return finals_summary(user=user, phase=phase, team_id=entry.team_id)


@dataclass(frozen=True)
class CloseOutcome:
    phase: Phase
    revealed: bool
    waiting_jobs: int

    @property
    def detail(self) -> str:
        if self.revealed:
            return f"phase {self.phase.name!r} closed and revealed"
        if self.waiting_jobs:
            return (
                f"phase {self.phase.name!r} closed; revealed once its {self.waiting_jobs} pending or running "
                "job(s) finish"
            )
        return f"phase {self.phase.name!r} closed"


def _materialise_implicit(slug: str, now: datetime) -> Phase:
    """A benchmark with no phase is closed by turning its open phase into a real, ended one."""
    first = Job.objects.filter(benchmark=slug).order_by("created_at").values_list("created_at", flat=True).first()
    phase = Phase.objects.create(
        benchmark=slug,
        name="Open",
        starts_at=min(first or now, now) - timedelta(seconds=1),
        ends_at=now,
        ranks_on=RankedPart.PRIVATE,
    )
    FinalMark.objects.filter(benchmark=slug, phase__isnull=True).update(phase=phase)
    return phase


def phase_close(*, slug: str, actor: AbstractBaseUser | None, now: datetime | None = None) -> CloseOutcome:
    """Staff: end the current phase now; a private phase is revealed as soon as its jobs have finished."""
    now = now or timezone.now()
    try:
        registry.get(slug)
    except registry.UnknownBenchmark:
        raise NotFound(f"Unknown benchmark {slug!r}.") from None
    with transaction.atomic():
        configured = phases.phases_of(slug)
        if not configured:
            phase = _materialise_implicit(slug, now)
        else:
            phase = phases.current_phase(slug, now=now, phases=configured)
            state = phase.state(now)
            if state == PhaseState.UPCOMING:
                raise Conflict(f"Phase {phase.name!r} has not started.", code="phase_not_started")
            if phase.revealed_at is not None:
                raise Conflict(
                    f"Phase {phase.name!r} was revealed at {phase.revealed_at.isoformat()}; it cannot "
                    "be reopened or closed again. Start a new phase instead.",
                    code="already_revealed",
                )
            if state == PhaseState.ENDED and not phase.leads_to_reveal:
                raise Conflict(f"Phase {phase.name!r} has already ended.", code="phase_ended")
            if state == PhaseState.RUNNING:
                Phase.objects.filter(pk=phase.pk, ends_at__gt=now).update(ends_at=now)
                phase.ends_at = now
        PhaseAudit.objects.create(benchmark=slug, phase=phase, action="close", actor=actor, at=now)
        board_changed(slug)
    revealed = phase.leads_to_reveal and phase_reveal(phase=phase, actor=actor, now=now)
    waiting = 0 if revealed else phase_jobs(phase).filter(status__in=ACTIVE_STATUSES).count()
    if (revealed or not phase.leads_to_reveal) and settings.LB_REPRODUCE_TOP_K > 0:
        # The final board is settled: its top lines are re-run now (the periodic task does the rest).
        from leaderboard.reproduction import phase_reproduce

        phase_reproduce(phase=phase, actor=actor, now=now)
    return CloseOutcome(phase=phase, revealed=revealed, waiting_jobs=waiting)


def _default_marks(phase: Phase, existing: list[FinalMark]) -> list[FinalMark]:
    """Sides (users, teams) with no visible mark get their best public entry (the job the public board showed)."""
    benchmark = registry.get(phase.benchmark)
    entries = {entry_key(e): e for e in Entry.objects.filter(benchmark=phase.benchmark)}
    covered = {entry_key(mark.entry)[:2] for mark in existing if not mark.entry.hidden}
    by_side: dict[tuple, list[Job]] = {}
    jobs = phase_jobs(phase).filter(status=JobStatus.COMPLETED).select_related("submission")
    for job in jobs:
        entry = entries.get(job_key(job))
        if job_key(job)[:2] not in covered and not (entry is not None and entry.hidden):
            by_side.setdefault(job_key(job)[:2], []).append(job)
    marks = []
    for owned in by_side.values():
        job = best_public(owned, benchmark.primary_metric, benchmark.higher_is_better)
        entry = entries.get(job_key(job))
        if entry is not None:
            marks.append(
                FinalMark(
                    benchmark=phase.benchmark, phase=phase, owner_id=job.owner_id, entry=entry, job=job, by_default=True
                )
            )
    return marks


def phase_reveal(*, phase: Phase, actor: AbstractBaseUser | None = None, now: datetime | None = None) -> bool:
    """Publish the private ranking of an ended private phase; False while its jobs still run (or already done).

    MLflow first: each final run gets ``private_<metric>`` and an ``lb.revealed_at``
    tag. If MLflow is down nothing is revealed and the sweeper tries again; the
    conditional update makes the sweeper and a staff close reveal only once.
    """
    from jobs.tracking import tracker

    now = now or timezone.now()
    if phase.is_implicit or not phase.leads_to_reveal or phase.revealed_at is not None:
        return False
    if phase.state(now) != PhaseState.ENDED:
        raise Conflict(f"Phase {phase.name!r} is still {phase.state(now)}.", code="phase_not_ended")
    if phase_jobs(phase).filter(status__in=ACTIVE_STATUSES).exists():
        return False  # fair deadline: a job enqueued before the end still counts, so wait for it
    existing = list(FinalMark.objects.filter(phase=phase).select_related("entry", "job"))
    defaults = _default_marks(phase, existing)
    client = tracker()
    for mark in existing + defaults:
        job = mark.job
        private = {f"private_{k}": v for k, v in job.private_metrics.items() if v is not None}
        if job.run_id and private:
            client.log_metrics(job.run_id, private)
            client.set_tag(job.run_id, "lb.revealed_at", now.isoformat())
    with transaction.atomic():
        if not Phase.objects.filter(pk=phase.pk, revealed_at__isnull=True).update(revealed_at=now, revealed_by=actor):
            return False
        FinalMark.objects.bulk_create(defaults)
        board_changed(phase.benchmark)
        PhaseAudit.objects.create(
            benchmark=phase.benchmark,
            phase=phase,
            action="reveal",
            actor=actor,
            at=now,
            detail={
                "finals": len(existing),
                "by_default": len(defaults),
                "jobs": [str(m.job_id) for m in existing + defaults],
            },
        )
    phase.refresh_from_db()
    logger.info(
        "phase %s of %s revealed: %d finals, %d by default", phase.name, phase.benchmark, len(existing), len(defaults)
    )
    return True


def phases_reveal_due(*, now: datetime | None = None) -> int:
    """The sweeper's half: reveal every ended private phase whose jobs have all finished."""
    now = now or timezone.now()
    revealed = 0
    due = Phase.objects.filter(ranks_on=RankedPart.PRIVATE, revealed_at__isnull=True, ends_at__lte=now)
    for phase in due:
        try:
            revealed += phase_reveal(phase=phase, now=now)
        except Exception:
            logger.exception("could not reveal phase %s of %s; will retry", phase.pk, phase.benchmark)
    return revealed
