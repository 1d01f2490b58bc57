"""What an enqueue costs the database.

Under the owner's enqueue lock (jobs/enqueue_lock.py): on PostgreSQL the advisory lock in a
transaction, on SQLite a file lock and no statement; then one read (the submission's benchmark,
the owner's active jobs and the jobs the rate counts, each COUNT a subquery read from an index),
and the INSERT.
A benchmark whose phase has per-phase limits adds one statement, the owner's phase usage.
Phases come from the shared cache."""

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


def _statements(captured) -> list[str]:
    # Transaction control (BEGIN/SAVEPOINT/COMMIT) is not a statement of the service's own.
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(control)]


def _own(statements: list[str]) -> list[str]:
    return [sql for sql in statements if '"leaderboard_phase"' not in sql]  # a cold phase cache


def _expected_head() -> list[str]:
    return ["SELECT pg_advisory_xact_lock"] if connection.vendor == "postgresql" else []


def test_enqueue_is_the_lock_one_read_and_the_insert_and_the_limits_still_hold(alice, settings):
    from core.errors import LimitExceeded, NotFound
    from jobs.services import job_enqueue

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission_id = upload(client_for(alice)).json()["id"]
    with CaptureQueriesContext(connection) as captured:
        job, created = job_enqueue(owner=alice, submission_id=submission_id)
    statements = _statements(captured)
    own = _own(statements)
    assert created and Job.objects.filter(pk=job.pk, benchmark="toy").exists()
    assert len(statements) <= len(own) + 1, "\n".join(statements)  # + the phase lookup on a cold cache
    head = _expected_head()
    assert len(own) == len(head) + 2, "\n".join(own)
    assert all(sql.startswith(prefix) for sql, prefix in zip(own, head)), "\n".join(own)
    check, insert = own[len(head) :]
    assert 'FROM "submissions_submission"' in check, check
    assert check.count("COUNT(") == 2 and 'U0."status" IN' in check and 'U0."created_at" >=' in check, check
    assert insert.startswith('INSERT INTO "jobs_job"'), insert

    with CaptureQueriesContext(connection) as captured:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert len(_statements(captured)) == len(own), "the phases come from the cache: " + "\n".join(_statements(captured))
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "too_many_active_jobs"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id="00000000-0000-0000-0000-000000000000")
    assert Job.objects.filter(owner=alice).count() == 2


def test_a_phase_with_limits_adds_one_statement_its_usage(alice):
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
    own = _own(_statements(captured))
    assert created and Job.objects.filter(owner=alice).count() == 1
    head = len(_expected_head())
    assert len(own) == head + 3, "\n".join(own)
    assert '"jobs_job"."benchmark" = ' in own[head + 1] and "COUNT(" in own[head + 1], "\n".join(own)
    assert own[-1].upper().startswith("INSERT"), "\n".join(own)
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "phase_daily_limit"
