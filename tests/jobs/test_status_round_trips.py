"""A status poll is one statement, the job, even for a pending job that says why it waits:
the token comes from the shared cache (accounts/token_cache.py), and the live pools behind
the reason from a per-process memo, which this process's own worker register/stop forget
at once (other processes: LB_LIVE_POOLS_MEMO_S)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.services import job_enqueue
from tests.conftest import upload


@pytest.fixture
def pending_job(alice, as_alice, prepared_toy):
    submission_id = upload(as_alice).json()["id"]
    return job_enqueue(owner=alice, submission_id=submission_id)[0]


def _poll(client, job) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/jobs/{job.pk}/status")
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in captured.captured_queries]


def test_a_pending_job_poll_is_one_statement(pending_job, as_alice, live_worker):
    first, _ = _poll(as_alice, pending_job)
    assert first["reason"] == "waiting for a worker in pool default"

    again, statements = _poll(as_alice, pending_job)
    assert again["reason"] == "waiting for a worker in pool default"
    assert len(statements) == 1 and "jobs_job" in statements[0], "\n".join(statements)


def test_a_worker_registered_here_changes_the_reason_at_once(pending_job, as_alice, live_worker, settings):
    settings.LB_LIVE_POOLS_MEMO_S = 3600.0  # only the register/stop below may refresh it
    assert _poll(as_alice, pending_job)[0]["reason"] == "waiting for a worker in pool default"

    live_worker(pools=["default"])
    assert _poll(as_alice, pending_job)[0]["reason"] == ""

    from fleet.services import worker_stop

    worker_stop(name="host-a:101")
    assert _poll(as_alice, pending_job)[0]["reason"] == "waiting for a worker in pool default"


def test_the_poll_shows_what_the_orm_loads(pending_job, as_alice, as_bob, as_staff):
    import json

    from rest_framework.renderers import JSONRenderer

    from jobs.api.serializers import job_status_data
    from jobs.models import Job

    expected = json.loads(JSONRenderer().render(job_status_data(Job.objects.get(pk=pending_job.pk))))
    assert _poll(as_alice, pending_job)[0] == expected
    assert _poll(as_staff, pending_job)[0] == expected  # staff see every job
    assert as_bob.get(f"/api/jobs/{pending_job.pk}/status").status_code == 404
    assert as_alice.get("/api/jobs/not-a-uuid/status").status_code == 404
