"""The enqueue is one statement (jobs/enqueue_sql.py: PostgreSQL's function ``lb_job_enqueue``,
SQLite's ``INSERT ... SELECT``): it must count what the ORM spellings count, store
what the ORM would store, refuse at each limit without inserting, and serialise with the
transaction path on the same lock."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from jobs.enqueue_sql import enqueue_in_one_statement
from jobs.models import Job, JobStatus
from jobs.selectors import active_job_count, enqueue_check_locked, job_rate_usage
from tests.jobs.conftest import make_submission

LIMITLESS = 10**6


def _job(owner, submission_id, **fields) -> Job:
    defaults = dict(id=uuid.uuid4(), benchmark="", resource_class="small", max_attempts=3, queued_at=timezone.now())
    return Job(submission_id=submission_id, owner=owner, **{**defaults, **fields})


def _enqueue(owner, submission_id, *, open_benchmarks=("toy",), max_active=LIMITLESS, rate_limit=LIMITLESS, job=None):
    job = job or _job(owner, submission_id)
    outcome = enqueue_in_one_statement(
        job=job,
        owner=owner,
        open_benchmarks=open_benchmarks,
        since=timezone.now() - timedelta(hours=1),
        max_active=max_active,
        rate_limit=rate_limit,
    )
    return job, outcome


@pytest.mark.django_db
def test_its_counts_match_the_orm_spellings(alice, history):
    mine, _ = history
    before = Job.objects.count()
    _, outcome = _enqueue(alice, mine.pk, open_benchmarks=[])  # not open: it reads and inserts nothing
    assert (outcome.benchmark, outcome.inserted) == ("toy", False)
    assert outcome.active == active_job_count(owner=alice) == 2
    assert outcome.used == job_rate_usage(owner=alice).used == 4
    assert Job.objects.count() == before


@pytest.mark.django_db
def test_the_row_it_inserts_is_the_one_the_orm_would_store(alice):
    submission = make_submission(alice)
    ours, outcome = _enqueue(alice, submission.pk, job=_job(alice, submission.pk, reproducibility={"seed": 7}))
    theirs = _job(alice, submission.pk, reproducibility={"seed": 7})
    theirs.benchmark = "toy"
    theirs.save(force_insert=True)
    assert outcome.inserted and ours.benchmark == "toy" and not ours._state.adding

    def row(pk):
        job = Job.objects.get(pk=pk)
        return {**model_to_dict(job), "created_at": job.created_at, "queued_at": job.queued_at}

    stored, expected = row(ours.pk), row(theirs.pk)
    assert stored["created_at"] == ours.created_at and stored["queued_at"] == ours.queued_at
    for key in ("id", "created_at", "queued_at"):
        stored.pop(key, None), expected.pop(key, None)
    assert stored == expected
    assert stored["status"] == JobStatus.PENDING and stored["reproducibility"] == {"seed": 7}


@pytest.mark.django_db
def test_it_refuses_at_each_limit_and_inserts_nothing(alice, staff, history):
    mine, theirs = history
    before = Job.objects.count()
    assert not _enqueue(alice, mine.pk, max_active=2)[1].inserted  # 2 active
    assert not _enqueue(alice, mine.pk, rate_limit=4)[1].inserted  # 4 counted in the window
    hidden = _enqueue(alice, theirs.pk)[1]
    assert hidden.benchmark is None and not hidden.inserted
    assert Job.objects.count() == before
    assert _enqueue(alice, mine.pk, max_active=3, rate_limit=5)[1].inserted  # one below each limit
    assert _enqueue(staff, theirs.pk)[1].inserted  # staff may run anyone's submission
    assert _enqueue(alice, mine.pk, open_benchmarks=None)[1].inserted  # None: every benchmark is open


@pytest.mark.django_db
def test_a_taken_key_raises_and_leaves_the_stored_job_and_the_transaction_usable(alice):
    submission = make_submission(alice)
    first, _ = _enqueue(alice, submission.pk)
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            _enqueue(alice, submission.pk, job=_job(alice, submission.pk, id=first.pk, resource_class="large"))
        assert Job.objects.get(pk=first.pk).resource_class == "small"  # the transaction still works


@pytest.mark.django_db(transaction=True)
def test_both_enqueue_paths_take_the_same_owner_lock(alice):
    """While the transaction path holds alice's lock and inserts a job, the one-statement path
    waits, then counts that job: with a limit of one active job it refuses."""
    submission = make_submission(alice)
    locked, release = threading.Event(), threading.Event()
    outcomes = []

    def transaction_path():
        try:
            with transaction.atomic():
                enqueue_check_locked(owner=alice, submission_id=submission.pk)  # takes the lock
                Job.objects.create(submission=submission, owner=alice, benchmark="toy", resource_class="small")
                locked.set()
                release.wait(10)
        finally:
            connections["default"].close()

    def one_statement_path():
        try:
            outcomes.append(_enqueue(alice, submission.pk, max_active=1)[1])
        finally:
            connections["default"].close()

    holder = threading.Thread(target=transaction_path)
    holder.start()
    assert locked.wait(10)
    enqueuer = threading.Thread(target=one_statement_path)
    enqueuer.start()
    time.sleep(0.5)
    waited = not outcomes
    release.set()
    holder.join(10), enqueuer.join(10)
    assert waited, "the one-statement enqueue did not wait for the transaction path's lock"
    assert outcomes[0].active == 1 and not outcomes[0].inserted
    assert Job.objects.filter(owner=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_insert_has_committed_when_its_execute_returns(alice):
    """SQLite commits a statement that returns rows only once they are fetched: with RETURNING, the
    write lock stayed held from execute() to fetchone(), across the wait for the GIL, and the other
    workers' writers slept in SQLite's busy handler meanwhile. Probed from another connection that
    may not wait at all, right after the INSERT's execute() returns."""
    if connections["default"].vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's function commits within its one call")
    submission = make_submission(alice)
    probes = []

    def probe_the_write_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith(f'INSERT INTO "{Job._meta.db_table}"'):
            other = sqlite3.connect(connections["default"].settings_dict["NAME"], timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                probes.append("free")
            except sqlite3.OperationalError as error:
                probes.append(str(error))
            finally:
                other.close()
        return result

    with connections["default"].execute_wrapper(probe_the_write_lock):
        job, outcome = _enqueue(alice, submission.pk)
    assert outcome.inserted and job.benchmark == "toy"
    assert probes == ["free"]
