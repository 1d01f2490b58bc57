"""Enqueue costs three statements of its own: the owner's row lock, one read of the submission and both limits,
the insert. The phase check (leaderboard.phases) adds its lookup of the benchmark's phases."""

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
    from leaderboard.errors import LimitExceeded, NotFound

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission_id = upload(client_for(alice)).json()["id"]
    with CaptureQueriesContext(connection) as captured:
        job, created = job_enqueue(owner=alice, submission_id=submission_id)
    statements = _statements(captured)
    assert created and Job.objects.filter(pk=job.pk, benchmark="toy").exists()
    own = [sql for sql in statements if "leaderboard_phase" not in sql]
    assert len(own) == 3, "\n".join(statements)
    assert len(statements) <= 4, "\n".join(statements)  # + the phase lookup (no phase limits here)
    assert own[0].upper().endswith("FOR UPDATE") or connection.vendor == "sqlite"
    assert own[-1].upper().startswith("INSERT")

    job_enqueue(owner=alice, submission_id=submission_id)
    with pytest.raises(LimitExceeded) as refused:
        job_enqueue(owner=alice, submission_id=submission_id)
    assert refused.value.code == "too_many_active_jobs"
    with pytest.raises(NotFound):
        job_enqueue(owner=alice, submission_id="00000000-0000-0000-0000-000000000000")
