"""What an enqueue costs the database.

One statement (jobs/enqueue_sql.py) reads the submission and both limits and inserts, in its
own transaction: no BEGIN, no COMMIT. On PostgreSQL it is ``lb_job_enqueue``, which takes the
owner's lock first; on SQLite an ``INSERT ... SELECT`` under SQLite's write lock, then a read of
the benchmark it took (no RETURNING: that would hold the write lock until the row is fetched).
A benchmark whose phase has per-phase limits is decided in a transaction instead (the lock,
the check, the phase usage, the insert; on SQLite the IMMEDIATE transaction is the lock).
Phases come from the shared cache; statements are prepared once per connection on PostgreSQL
(core.db)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import Job
from phases.models import Phase
from tests.conftest import client_for, upload

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's enqueue paths")


def _statements(captured) -> list[str]:
    # Transaction control (BEGIN/SAVEPOINT/COMMIT) is not a statement of the service's own.
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(control)]


def test_enqueue_is_one_statement_and_the_limits_still_hold(alice, settings):
    from core.errors import LimitExceeded, NotFound
    from jobs.services import job_enqueue

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission_id = upload(client_for(alice)).json()["id"]
    with CaptureQueriesContext(connection) as captured:
        job, created = job_enqueue(owner=alice, submission_id=submission_id)
    statements = _statements(captured)
    assert created and Job.objects.filter(pk=job.pk, benchmark="toy").exists()
    own = [sql for sql in statements if "leaderboard_phase" not in sql]
    assert len(statements) <= len(own) + 1, "\n".join(statements)  # + the phase lookup on a cold cache
    if connection.vendor == "postgresql":
        assert len(own) == 1 and "lb_job_enqueue(" in own[0], "\n".join(statements)
    else:  # one write, committed inside it, then the read of the benchmark it took
        assert len(own) == 2, "\n".join(statements)
        assert own[0].startswith('INSERT INTO "jobs_job"') and "RETURNING" not in own[0], own[0]
        assert own[1].startswith('SELECT benchmark FROM "submissions_submission"'), own[1]

    with CaptureQueriesContext(connection) as captured:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert len(_statements(captured)) == len(own), "the phases come from the cache: " + "\n".join(_statements(captured))
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "too_many_active_jobs"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id="00000000-0000-0000-0000-000000000000")
    assert Job.objects.filter(owner=alice).count() == 2


def test_a_phase_with_limits_is_decided_in_the_locked_transaction(alice):
    from core.errors import LimitExceeded
    from jobs.services import job_enqueue

    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="Final",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        max_per_day=1,
    )
    submission_id = upload(client_for(alice)).json()["id"]
    with CaptureQueriesContext(connection) as captured:
        job, created = job_enqueue(owner=alice, submission_id=submission_id)
    own = [sql for sql in _statements(captured) if 'FROM "leaderboard_phase"' not in sql]  # a cold phase cache
    assert created and Job.objects.filter(owner=alice).count() == 1
    if connection.vendor == "postgresql":
        assert "lb_job_enqueue(" in own[0], "\n".join(own)  # it read the benchmark: not open, nothing inserted
        assert "pg_advisory_xact_lock" in own[1], "\n".join(own)  # the same lock, then the check
    else:  # the guarded insert inserted nothing; a read says why (a benchmark that is not open)
        assert own[0].startswith("INSERT") and own[1].startswith("SELECT (SELECT s.benchmark"), "\n".join(own)
        assert own[2].startswith("SELECT (SELECT s.benchmark"), "\n".join(own)  # the check, in the transaction
    assert '"jobs_job"."benchmark" = ' in own[3] and "COUNT(" in own[3], "\n".join(own)  # the phase usage
    assert own[-1].upper().startswith("INSERT") and len(own) == 5, "\n".join(own)
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "phase_daily_limit"


@on_postgresql
def test_the_enqueue_statements_are_prepared_once_per_connection(alice):
    """The server parses and plans them once; later enqueues on the connection execute the prepared plan."""
    from jobs.services import job_enqueue

    submission_id = upload(client_for(alice)).json()["id"]
    for _ in range(3):
        job_enqueue(owner=alice, submission_id=submission_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert sum("lb_job_enqueue(" in sql for sql in prepared) == 1, prepared
