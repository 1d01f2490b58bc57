"""Who sees what a board shows: the one rule. Re-exported by ``leaderboard.selectors``, where callers
(and ``jobs.selectors.public_jobs``, registered in ``LeaderboardConfig.ready``) find it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from jobs.models import Job, JobStatus
from leaderboard.entry_keys import entry_of_job, listed_entry_q
from leaderboard.models import Entry
from phases import selectors as phases
from phases.models import Phase, PhaseState
from teams.selectors import team_ids_of

# --- Who sees what a board shows: the one rule (docs/security.md, "Who sees what") -------------------
# Everyone sees what a shown board shows: the entries that are not hidden, and their completed jobs, on a
# benchmark whose current phase shows its board (``board_visible``, or the phase has ended). Owners see
# their own entries and jobs, staff everything. ``jobs`` asks this through ``jobs.selectors.public_jobs``
# (registered in ``LeaderboardConfig.ready``), so apps below the leaderboard use it without importing it.


def shows_board(phase: Phase, now: datetime) -> bool:
    return phase.board_visible or phase.state(now) == PhaseState.ENDED


def board_shown(slug: str, *, now: datetime | None = None) -> bool:
    """Whether the current phase of ``slug`` shows its board to everyone."""
    now = now or timezone.now()
    return shows_board(phases.current_phase(slug, now=now), now)


def hidden_boards(*, now: datetime | None = None) -> list[str]:
    """The benchmarks whose current phase hides its board (only a configured phase can)."""
    now = now or timezone.now()
    slugs = set(Phase.objects.filter(board_visible=False).values_list("benchmark", flat=True))
    return sorted(slug for slug in slugs if not board_shown(slug, now=now))


def entries_visible_to(user: AbstractBaseUser) -> QuerySet[Entry]:
    """Entries ``user`` may see: staff all; everyone the unhidden entries of shown boards; owners theirs."""
    entries = Entry.objects.all()
    if user.is_staff:
        return entries
    shown = Q(hidden=False, unlisted=False) & ~Q(benchmark__in=hidden_boards())
    if not user.is_authenticated:
        return entries.filter(shown)
    return entries.filter(shown | Q(owner_id=user.pk, team__isnull=True) | Q(team_id__in=team_ids_of(user)))


def public_jobs(queryset: QuerySet[Job]) -> QuerySet[Job]:
    """The completed jobs of ``queryset`` whose entry a shown board lists (the set form of
    :func:`entry_is_public`)."""
    shown = listed_entry_q(hidden=False, unlisted=False)
    # A platform re-run (leaderboard/reproduction.py) is as public as the job it re-runs: its badge
    # links to both.
    rerun_of_shown = Q(reproduces__isnull=False) & listed_entry_q("reproduces__", hidden=False, unlisted=False)
    return queryset.filter(shown | rerun_of_shown, status=JobStatus.COMPLETED).exclude(benchmark__in=hidden_boards())


def entry_is_public(*, benchmark: str, owner_id: int, method: str, team_id: int | None = None) -> bool:
    """Whether the board shows this user's method (its completed jobs' pages are public): the entry is
    not hidden, and the current phase does not hide its board until it ends."""
    if not board_shown(benchmark):
        return False
    entry = entry_of_job(benchmark=benchmark, owner_id=owner_id, team_id=team_id, method=method)
    return entry.filter(hidden=False, unlisted=False).exists()
