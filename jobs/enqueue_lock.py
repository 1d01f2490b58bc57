"""One owner's enqueues, one at a time: the lock the enqueue's counts are read under.

The limits are per owner (active jobs, the rate, a phase's per-owner limits), so the
check-then-insert needs only that owner's enqueues serialised, never everyone's:

* PostgreSQL: a transaction-scoped advisory lock on (``LOCK_SPACE``, owner id) inside the
  enqueue's transaction (it writes nothing, where a row lock writes the locked row). Each
  statement of a READ COMMITTED transaction takes its snapshot when it starts, so the
  counts read after the lock is granted include a racing request's committed job.
* SQLite: an exclusive ``flock`` on one of 64 lock files beside the database (owner id
  modulo 64), and no transaction: every statement commits on its own, so SQLite's one
  write lock is held for the INSERT alone, not through the Python of the check. An
  IMMEDIATE transaction around the check held it for all of that, and 50 clients of
  500 owners queued on it (docs/performance.md). A process that dies releases its flock.
* Anything else: a row lock on the owner inside a transaction.

A team's submission is counted by team (``jobs.team_quota``): inside the owner's lock the
enqueue also takes :func:`team_lock`, so two members racing for the team's last slot are
serialised too. Owner locks are always taken before team locks, so the two cannot deadlock.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from teams.models import Team

# The advisory lock key space of one owner's enqueues on PostgreSQL: (LOCK_SPACE, owner id).
LOCK_SPACE = zlib.crc32(b"leaders-board.jobs.enqueue") & 0x7FFFFFFF
TEAM_LOCK_SPACE = zlib.crc32(b"leaders-board.jobs.enqueue.team") & 0x7FFFFFFF
SQLITE_LOCK_FILES = 64


@contextmanager
def enqueue_lock(owner: AbstractBaseUser) -> Iterator[None]:
    """Hold ``owner``'s enqueue lock for the block; what the block writes is committed when it ends."""
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        with _sqlite_file_lock(f"enqueue-{owner.pk % SQLITE_LOCK_FILES}"):
            yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, owner.pk])
        elif connection.features.has_select_for_update:
            list(type(owner)._default_manager.select_for_update().filter(pk=owner.pk).values_list("pk"))
        yield


@contextmanager
def team_lock(team_id: int) -> Iterator[None]:
    """Inside :func:`enqueue_lock`: hold the team's enqueue lock for the block (its members' enqueues
    read and write one set of counts)."""
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        with _sqlite_file_lock(f"enqueue-team-{team_id % SQLITE_LOCK_FILES}"):
            yield
        return
    if connection.vendor == "postgresql":  # inside enqueue_lock's transaction: released when it ends
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TEAM_LOCK_SPACE, team_id])
    elif connection.features.has_select_for_update:
        list(Team.objects.select_for_update().filter(pk=team_id).values_list("pk"))
    yield


@contextmanager
def _sqlite_file_lock(name: str) -> Iterator[None]:
    """An exclusive ``flock`` on ``<database>.<name>.lock`` for the block; a process that dies releases it."""
    fd = os.open(f"{connection.settings_dict['NAME']}.{name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the flock
