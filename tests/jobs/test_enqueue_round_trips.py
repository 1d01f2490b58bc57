"""Enqueue costs three statements of its own: the owner's row lock, one read of the submission and both limits,
the insert; on PostgreSQL each is prepared once per connection (core.db). The phase check (leaderboard.phases)
reads the benchmark's phases from the shared cache, so only the first enqueue after a phase change looks them up."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.models import Job
from tests.conftest import client_for, upload

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(captured) -> list[str]:
    # Transaction control (BEGIN/SAVEPOINT/COMMIT) is not a statement of the service's own.
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(control)]


def test_enqueue_is_three_statements_and_the_limits_still_hold(alice, settings):
    from jobs.services import job_enqueue
    from core.errors import LimitExceeded, NotFound

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission_id = upload(client_for(alice)).json()["id"]
    with CaptureQueriesContext(connection) as captured:
        job, created = job_enqueue(owner=alice, submission_id=submission_id)
    statements = _statements(captured)
    assert created and Job.objects.filter(pk=job.pk, benchmark="toy").exists()
    own = [sql for sql in statements if "leaderboard_phase" not in sql]
    assert len(statements) <= len(own) + 1, "\n".join(statements)  # + the phase lookup (no phase limits here)
    if connection.vendor == "postgresql":  # the lock, then the check under it, then the insert
        assert len(own) == 3 and own[0].upper().endswith("FOR UPDATE"), "\n".join(statements)
    else:  # SQLite's IMMEDIATE transaction is its lock
        assert len(own) == 2 and "FOR UPDATE" not in own[0].upper(), "\n".join(statements)
    assert own[-1].upper().startswith("INSERT")

    with CaptureQueriesContext(connection) as captured:
        job_enqueue(owner=alice, submission_id=submission_id)
    expected = 3 if connection.vendor == "postgresql" else 2
    assert len(_statements(captured)) == expected, "the phases come from the cache: " + "\n".join(_statements(captured))
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "too_many_active_jobs"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id="00000000-0000-0000-0000-000000000000")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_enqueue_statements_are_prepared_once_per_connection(alice):
    """The server parses and plans them once; later enqueues on the connection execute the prepared plan."""
    from jobs.services import job_enqueue

    submission_id = upload(client_for(alice)).json()["id"]
    for _ in range(3):
        job_enqueue(owner=alice, submission_id=submission_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert sum("FOR UPDATE" in sql for sql in prepared) == 1, prepared
    assert sum(sql.startswith('INSERT INTO "jobs_job"') for sql in prepared) == 1, prepared
    assert sum("COUNT(CASE WHEN" in sql for sql in prepared) == 1, prepared
