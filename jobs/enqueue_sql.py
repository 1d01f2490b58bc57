"""The enqueue as one statement on PostgreSQL: lock, check and insert in one round trip.

``lb_job_enqueue`` (migration ``jobs/0003``) takes the owner's enqueue lock, reads the
submission's benchmark and both of the owner's limit counts, and inserts the job if the
benchmark admits it without counting (no phase limits, phase running) and both limits
pass. The statement is its own transaction, so the lock is held until the job is
committed: no BEGIN, no COMMIT, one prepared statement where the transaction in
``jobs.services`` takes five round trips (docs/performance.md).

When it inserts nothing the caller learns why: no visible submission, a limit, or a
benchmark whose phase rules count the owner's jobs, which the transaction path then
decides under the same lock. Both paths lock with :func:`lock_owner_sql`, so one
owner's enqueues are serialised whichever path each takes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from core.db import mark_inserted, prepared_cursor, row_json
from jobs.models import ACTIVE_STATUSES, FailureKind, Job, JobStatus

# The advisory lock key space of one owner's enqueues: (LOCK_SPACE, owner id).
LOCK_SPACE = zlib.crc32(b"leaders-board.jobs.enqueue") & 0x7FFFFFFF

_CALL = "SELECT benchmark, active, used, inserted FROM lb_job_enqueue(%s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


def available() -> bool:
    return connection.vendor == "postgresql"


@lru_cache(maxsize=None)
def lock_owner_sql(vendor: str) -> str:
    """The statement that serialises one owner's enqueues, for the transaction path.

    PostgreSQL: the advisory lock the one-statement path takes too (a transaction-scoped
    lock that writes nothing, where a row lock writes the locked row). Elsewhere a row lock
    on the user (SQLite ignores it; its IMMEDIATE transactions serialise the writers)."""
    if vendor == "postgresql":
        return f"SELECT pg_advisory_xact_lock({LOCK_SPACE}, %s)"
    users = get_user_model()._meta
    return f'SELECT "{users.pk.column}" FROM "{users.db_table}" WHERE "{users.pk.column}" = %s FOR UPDATE'


@dataclass(frozen=True)
class Outcome:
    benchmark: str | None  # the submission's, or None when the user may not see it
    active: int
    used: int
    inserted: bool


def enqueue_in_one_statement(*, job: Job, owner: AbstractBaseUser, open_benchmarks: Iterable[str] | None,
                             since: datetime, max_active: int, rate_limit: int) -> Outcome:
    """Insert ``job`` (its benchmark taken from its submission) if it is admitted without
    counting phase usage; return what the check read either way.

    Inside a caller's transaction the statement runs in a savepoint, so a duplicate key
    (a racing idempotent request) leaves that transaction usable."""
    params = [
        row_json(job), LOCK_SPACE, owner.is_staff, None if open_benchmarks is None else list(open_benchmarks),
        list(ACTIVE_STATUSES), since, JobStatus.CANCELLED, JobStatus.FAILED, FailureKind.PLATFORM,
        max_active, rate_limit,
    ]
    if connection.in_atomic_block:
        with transaction.atomic():
            row = _call(params)
    else:  # one statement is its own transaction: no BEGIN, no COMMIT
        row = _call(params)
    outcome = Outcome(benchmark=row[0], active=row[1], used=row[2], inserted=row[3])
    if outcome.inserted:
        job.benchmark = outcome.benchmark
        mark_inserted(job)
    return outcome


def _call(params: list) -> tuple:
    with prepared_cursor() as cursor:
        cursor.execute(_CALL, params)
        return cursor.fetchone()
