"""Writes for boards: entries' staff flags and a benchmark's lifecycle."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from leaderboard.board_cache import board_changed
from leaderboard.models import Entry, EntryAudit

logger = logging.getLogger(__name__)


def entry_ensure(*, benchmark: str, owner_id: int, method: str, team_id: int | None = None) -> Entry:
    """The entry a completed job counts towards: (team, method) for a team's job, else (user, method)."""
    if team_id is not None:
        entry, _ = Entry.objects.get_or_create(
            benchmark=benchmark, team_id=team_id, method=method, defaults={"owner_id": owner_id}
        )
    else:
        entry, _ = Entry.objects.get_or_create(benchmark=benchmark, owner_id=owner_id, team=None, method=method)
    return entry


@transaction.atomic
def entry_hide(*, entry: Entry, actor: AbstractBaseUser, reason: str) -> Entry:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Hiding an entry needs a reason.", code="reason_required")
    Entry.objects.filter(pk=entry.pk).update(
        hidden=True, hidden_reason=reason, hidden_by=actor, hidden_at=timezone.now()
    )
    EntryAudit.objects.create(entry=entry, action="hide", reason=reason, actor=actor)
    board_changed(entry.benchmark)
    entry.refresh_from_db()
    return entry


@transaction.atomic
def entry_unhide(*, entry: Entry, actor: AbstractBaseUser, reason: str = "") -> Entry:
    Entry.objects.filter(pk=entry.pk).update(hidden=False)
    EntryAudit.objects.create(entry=entry, action="unhide", reason=reason, actor=actor)
    board_changed(entry.benchmark)
    entry.refresh_from_db()
    return entry


@transaction.atomic
def entry_set_baseline(*, entry: Entry, actor: AbstractBaseUser, baseline: bool) -> Entry:
    Entry.objects.filter(pk=entry.pk).update(baseline=baseline)
    EntryAudit.objects.create(entry=entry, action="baseline" if baseline else "unbaseline", actor=actor)
    board_changed(entry.benchmark)
    entry.refresh_from_db()
    return entry


def benchmark_close(*, slug: str, actor: AbstractBaseUser):
    """Staff "close": end the benchmark's current phase and reveal it (see ``leaderboard.finals``)."""
    from leaderboard.finals import phase_close

    return phase_close(slug=slug, actor=actor)
