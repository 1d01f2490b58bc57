"""The board as the API serves it, computed once per change instead of on every read.

A board is read far more often than it changes. Its data is kept in the shared cache
(Redis in production, the file cache embedded) under the benchmark's *board version*,
which every write that changes a board replaces, at the write and again after its
transaction commits (:func:`board_changed`):

* a completed job (``leaderboard.receivers``), an entry hidden, shown or made a
  baseline (``leaderboard.services``), a final mark, a close or a reveal
  (``leaderboard.finals``): they call it;
* saves and deletes of phases, entries, final marks and completed jobs (admin, shell):
  the signals below.

The clock changes a board too: the current phase, its state and whether the board is
hidden change at phase boundaries. A cached board is used only until the next boundary
after it was computed, and the phase's own part (state, seconds left) is computed on
every read. ``LB_BOARD_CACHE_S`` bounds what no write path reports (a user renamed in a
shell). Keys carry the database's name (``core.cache_keys``).

The phases that admission reads on every enqueue and upload are cached the same way
(``phases.selectors.admission_phases``) and forgotten with the boards.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import registry
from core.cache_keys import namespace
from leaderboard import selectors
from phases import selectors as phases
from phases.cache import forget_phases

logger = logging.getLogger(__name__)


def _version_key(slug: str) -> str:
    return f"lb:board-version:{namespace()}:{slug}"


def _version(slug: str) -> str:
    key = _version_key(slug)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)  # the first of racing readers wins
        version = cache.get(key)
    return version


def forget_boards(slug: str) -> None:
    """Every cached board of ``slug``, and its cached phases, are stale from now on."""
    try:
        cache.set(_version_key(slug), uuid.uuid4().hex, timeout=None)
        forget_phases(slug)
    except Exception:  # the cache is down: nothing can be read from it either
        logger.warning("could not mark the board of %s changed", slug, exc_info=True)


def board_changed(slug: str) -> None:
    """Every cached board of ``slug`` is stale now and again once the current transaction commits.

    Now, for the writer's own reads in its transaction; after the commit as well, because
    a reader between the two would cache the old rows under the version of now."""
    forget_boards(slug)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: forget_boards(slug))


def next_boundary(slug: str, now: datetime) -> datetime | None:
    """The first phase start or end of ``slug`` after ``now``: where the clock alone changes its boards."""
    moments = [
        moment
        for phase in phases.phases_of(slug)
        for moment in (phase.starts_at, phase.ends_at)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def board_data(slug: str, *, phase_id: str | None = None, part: str | None = None, now: datetime | None = None) -> dict:
    """``selectors.board(...).as_dict()``, from the cache while the board has not changed."""
    registry.get(slug)  # an unknown slug is a 404 before it can make a cache key
    now = now or timezone.now()
    ttl = settings.LB_BOARD_CACHE_S
    part = "public" if part == "public" else None  # the only part a board knows; anything else is the default
    if ttl <= 0 or (phase_id not in (None, "") and not str(phase_id).isdigit()):
        # (a malformed phase id is the selector's 404; it never becomes a cache key)
        return selectors.board(slug, phase_id=phase_id, part=part, now=now).as_dict()
    try:
        key = f"lb:board:{namespace()}:{slug}:{_version(slug)}:{phase_id or ''}:{part or ''}"
        hit = cache.get(key)
    except Exception:
        logger.warning("board cache unavailable; computing the board of %s", slug, exc_info=True)
        return selectors.board(slug, phase_id=phase_id, part=part, now=now).as_dict()
    if hit is not None:
        data, phase, valid_until = hit
        if valid_until is None or now < valid_until:
            return {**data, "phase": phases.phase_info(phase, now=now)}
    board = selectors.board(slug, phase_id=phase_id, part=part, now=now)
    data = board.as_dict()
    try:
        cache.set(key, (data, board.phase, next_boundary(slug, now)), timeout=ttl)
    except Exception:
        logger.warning("could not cache the board of %s", slug, exc_info=True)
    return data


def _changed_by_save(sender, instance, **kwargs) -> None:
    board_changed(instance.benchmark)


def _job_changed(sender, instance, **kwargs) -> None:
    from jobs.models import JobStatus

    if kwargs.get("signal_name") == "delete" or instance.status == JobStatus.COMPLETED:
        board_changed(instance.benchmark)


def connect_signals() -> None:
    """Called by ``LeaderboardConfig.ready``."""
    from functools import partial

    from django.db.models.signals import post_delete, post_save

    from jobs.models import Job
    from leaderboard.models import Entry, FinalMark
    from phases.models import Phase

    for model in (Phase, Entry, FinalMark):
        post_save.connect(_changed_by_save, sender=model, dispatch_uid=f"lb-board-{model.__name__}-save")
        post_delete.connect(_changed_by_save, sender=model, dispatch_uid=f"lb-board-{model.__name__}-delete")
    post_save.connect(_job_changed, sender=Job, dispatch_uid="lb-board-job-save")
    post_delete.connect(
        partial(_job_changed, signal_name="delete"), sender=Job, dispatch_uid="lb-board-job-delete", weak=False
    )
