"""The enqueue as one statement: check and insert in one round trip, under the writers' lock.

PostgreSQL: ``lb_job_enqueue`` (migration ``jobs/0003``; its rate rule as of ``jobs/0005``)
takes the owner's enqueue lock, reads the submission's benchmark and both of the owner's
limit counts, and inserts the
job if the benchmark admits it without counting (no phase limits, phase running) and both
limits pass. The statement is its own transaction, so the lock is held until the job is
committed: no BEGIN, no COMMIT, one prepared statement where the transaction in
``jobs.services`` takes five round trips (docs/performance.md).

SQLite: ``INSERT ... SELECT`` with the same conditions, then a read of the benchmark it
took. A statement that writes takes SQLite's one write lock before it reads anything (in
WAL mode, at the newest snapshot), so its counts include every committed job and no other
writer runs until it is done; the transaction path's BEGIN IMMEDIATE takes the same lock.
The transaction held that lock through the Python of its check, phase rules and insert
(1.3-1.4 ms an enqueue under load), and 50 clients queued on it: 700 enqueues a second,
against 825-850 as one statement (docs/performance.md).

When it inserts nothing the caller learns why: no visible submission, a limit, or a
benchmark whose phase rules count the owner's jobs, which the transaction path then
decides under the same lock. On PostgreSQL both paths lock with :func:`lock_owner_sql`,
so one owner's enqueues are serialised whichever path each takes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from core.db import insert_fields, mark_inserted, prepared_cursor, row_json, row_values
from jobs.models import ACTIVE_STATUSES, FailureKind, Job, JobStatus
from submissions.models import Submission

# The advisory lock key space of one owner's enqueues: (LOCK_SPACE, owner id).
LOCK_SPACE = zlib.crc32(b"leaders-board.jobs.enqueue") & 0x7FFFFFFF

_CALL = (
    "SELECT benchmark, active, used, inserted FROM lb_job_enqueue(%s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def available() -> bool:
    return connection.vendor in ("postgresql", "sqlite")


@cache
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
    active: int | None  # the owner's counts before the insert (None: inserted on SQLite, not read)
    used: int | None
    inserted: bool


def enqueue_in_one_statement(
    *,
    job: Job,
    owner: AbstractBaseUser,
    open_benchmarks: Iterable[str] | None,
    since: datetime,
    max_active: int,
    rate_limit: int,
) -> Outcome:
    """Insert ``job`` (its benchmark taken from its submission) if it is admitted without
    counting phase usage; return what the check read either way.

    Inside a caller's transaction the statement runs in a savepoint, so a duplicate key
    (a racing idempotent request) leaves that transaction usable."""
    if connection.vendor == "sqlite":
        return _sqlite_enqueue(
            job=job,
            owner=owner,
            open_benchmarks=open_benchmarks,
            since=since,
            max_active=max_active,
            rate_limit=rate_limit,
        )
    params = [
        row_json(job),
        LOCK_SPACE,
        owner.is_staff,
        None if open_benchmarks is None else list(open_benchmarks),
        list(ACTIVE_STATUSES),
        since,
        JobStatus.CANCELLED,
        JobStatus.FAILED,
        FailureKind.PLATFORM,
        max_active,
        rate_limit,
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


# A job the rate counts (selectors.counts_against_quota): its parameters are _COUNTED_PARAMS.
# A platform failure is free only if the job was never scored (a score is a spent job).
_COUNTED = "NOT j.status = %s AND NOT (j.status = %s AND j.failure_kind = %s AND NOT j.needs_recording)"
_COUNTED_PARAMS = (JobStatus.CANCELLED, JobStatus.FAILED, FailureKind.PLATFORM)


@cache
def enqueue_check_sql(*, visible_to_all: bool) -> str:
    """The submission's benchmark and the owner's two limit counts, as one row (no lock, no write)."""
    jobs, submissions = Job._meta.db_table, Submission._meta.db_table
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    # Personal submissions only: a team's counts by team (jobs.team_quota), so it reads as "none" here.
    mine = " AND s.team_id IS NULL" + ("" if visible_to_all else " AND s.owner_id = %s")
    # One scan of the owner's jobs that can count: the active ones and the rate window's
    # (indexes owner+status and owner+created_at), not their whole history. Aggregates
    # without GROUP BY give one row even when there is none.
    return (
        f'SELECT (SELECT s.benchmark FROM "{submissions}" s WHERE s.id = %s{mine}), '
        f"COUNT(CASE WHEN j.status IN ({statuses}) THEN 1 END), "
        f"COUNT(CASE WHEN j.created_at >= %s AND {_COUNTED} THEN 1 END) "
        f'FROM "{jobs}" j WHERE j.owner_id = %s AND (j.status IN ({statuses}) OR j.created_at >= %s)'
    )


def enqueue_check_params(*, owner: AbstractBaseUser, submission_pk, since_value) -> list:
    """The parameters of :func:`enqueue_check_sql` (database values: ``get_db_prep_value``'d)."""
    return [
        submission_pk,
        *([] if owner.is_staff else [owner.pk]),
        *ACTIVE_STATUSES,
        since_value,
        *_COUNTED_PARAMS,
        owner.pk,
        *ACTIVE_STATUSES,
        since_value,
    ]


_SUBMISSION_BENCHMARK_SQL = f'SELECT benchmark FROM "{Submission._meta.db_table}" WHERE id = %s'


@cache
def _sqlite_insert_sql(*, visible_to_all: bool, open_count: int | None) -> str:
    """INSERT of every column, the benchmark taken from the submission, if the job is admitted."""
    jobs, submissions = Job._meta.db_table, Submission._meta.db_table
    fields = insert_fields(Job)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    values = ", ".join("s.benchmark" if field.name == "benchmark" else "%s" for field in fields)
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    mine = " AND s.team_id IS NULL" + ("" if visible_to_all else " AND s.owner_id = %s")  # not a team's
    is_open = "" if open_count is None else f" AND s.benchmark IN ({', '.join(['%s'] * open_count) or 'NULL'})"
    return (
        f'INSERT INTO "{jobs}" ({columns}) SELECT {values} FROM "{submissions}" s '
        f"WHERE s.id = %s{mine}{is_open} "
        f'AND (SELECT COUNT(*) FROM "{jobs}" j WHERE j.owner_id = %s AND j.status IN ({statuses})) < %s '
        f'AND (SELECT COUNT(*) FROM "{jobs}" j WHERE j.owner_id = %s AND j.created_at >= %s AND {_COUNTED}) < %s'
    )


def _sqlite_enqueue(
    *,
    job: Job,
    owner: AbstractBaseUser,
    open_benchmarks: Iterable[str] | None,
    since: datetime,
    max_active: int,
    rate_limit: int,
) -> Outcome:
    opened = None if open_benchmarks is None else sorted(open_benchmarks)
    fields, values = row_values(job)
    submission_pk = Submission._meta.pk.get_db_prep_value(job.submission_id, connection)
    since_value = Job._meta.get_field("created_at").get_db_prep_value(since, connection)
    params = [
        *(value for field, value in zip(fields, values) if field.name != "benchmark"),  # it comes from s
        submission_pk,
        *([] if owner.is_staff else [owner.pk]),
        *(opened or []),
        owner.pk,
        *ACTIVE_STATUSES,
        max_active,
        owner.pk,
        since_value,
        *_COUNTED_PARAMS,
        rate_limit,
    ]
    insert = _sqlite_insert_sql(visible_to_all=owner.is_staff, open_count=None if opened is None else len(opened))
    # Inside a caller's transaction, a savepoint (a taken key leaves it usable); else no BEGIN at all.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        with prepared_cursor() as cursor:
            # No RETURNING: a statement that returns rows commits only once they have been
            # fetched, so SQLite's write lock stayed held from execute() to fetchone(), while
            # the thread waited to get the GIL back; the other workers' enqueues slept in
            # SQLite's busy handler (1, 2, 5 ms...) meanwhile. Without it the statement
            # commits inside execute(), with the GIL released (docs/performance.md).
            cursor.execute(insert, params)
            if cursor.rowcount == 1:  # the benchmark it took from the submission, which never changes
                cursor.execute(_SUBMISSION_BENCHMARK_SQL, [submission_pk])
                job.benchmark = cursor.fetchone()[0]
                mark_inserted(job)
                return Outcome(benchmark=job.benchmark, active=None, used=None, inserted=True)
            # Why not: read after the fact, for the refusal or the fallback.
            cursor.execute(
                enqueue_check_sql(visible_to_all=owner.is_staff),
                enqueue_check_params(owner=owner, submission_pk=submission_pk, since_value=since_value),
            )
            benchmark, active, used = cursor.fetchone()
            return Outcome(benchmark=benchmark, active=active, used=used, inserted=False)
