"""Enqueue costs three statements of its own: the owner's row lock, one read of the submission and both limits,
the insert; on PostgreSQL the first two travel in one round trip. The phase check (leaderboard.phases) reads the
benchmark's phases from the shared cache, so only the first enqueue after a phase change looks them up."""

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


def test_enqueue_is_two_round_trips_and_the_limits_still_hold(alice, settings):
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
    if connection.vendor == "postgresql":  # lock; check -- one round trip -- then the insert
        assert len(own) == 2 and "FOR UPDATE; SELECT" in own[0].upper(), "\n".join(statements)
    else:  # SQLite's IMMEDIATE transaction is its lock
        assert len(own) == 2 and "FOR UPDATE" not in own[0].upper(), "\n".join(statements)
    assert own[-1].upper().startswith("INSERT")

    with CaptureQueriesContext(connection) as captured:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert len(_statements(captured)) == 2, "the phases come from the cache: " + "\n".join(_statements(captured))
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "too_many_active_jobs"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id="00000000-0000-0000-0000-000000000000")
