"""The jobs HTTP contract: enqueue with idempotency, status, logs, results, cancel."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from jobs import logs
from jobs.models import Job
from tests.conftest import upload

STATUS_FIELDS = {"id", "submission", "status", "attempts", "created_at", "started_at", "finished_at", "error"}


@pytest.fixture
def submission_id(as_alice):
    return upload(as_alice).json()["id"]


def test_enqueue_then_status(as_alice, submission_id, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = as_alice.post("/api/jobs", {"submission": submission_id}, format="json")
    assert response.status_code == 201
    assert len(callbacks) == 1  # exactly one enqueue, after commit
    job_id = response.json()["id"]
    status = as_alice.get(f"/api/jobs/{job_id}/status").json()
    assert STATUS_FIELDS <= set(status)
    assert status["status"] == "pending" and status["attempts"] == 0 and status["submission"] == submission_id


def test_same_job_id_twice_returns_the_same_job_without_second_enqueue(
    as_alice, submission_id, django_capture_on_commit_callbacks
):
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks() as callbacks:
        first = as_alice.post("/api/jobs", {"submission": submission_id, "job_id": key}, format="json")
        second = as_alice.post("/api/jobs", {"submission": submission_id, "job_id": key}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] == key
    assert len(callbacks) == 1
    assert Job.objects.count() == 1


def test_same_job_id_with_different_body_is_409(as_alice, submission_id):
    key = str(uuid.uuid4())
    as_alice.post("/api/jobs", {"submission": submission_id, "job_id": key}, format="json")
    response = as_alice.post(
        "/api/jobs", {"submission": submission_id, "job_id": key, "resource_class": "medium"}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"] == "idempotency_conflict"


@pytest.mark.django_db(transaction=True)
def test_racing_identical_requests_make_one_job(alice):
    from jobs.services import job_enqueue
    from tests.conftest import client_for

    submission_id = upload(client_for(alice)).json()["id"]
    key = uuid.uuid4()
    results, errors = [], []
    barrier = threading.Barrier(4)

    def call():
        try:
            barrier.wait()
            results.append(job_enqueue(owner=alice, submission_id=submission_id, job_id=key))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    run_at_once(call, times=4)
    assert not errors
    assert sum(created for _, created in results) == 1
    assert Job.objects.filter(pk=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_requests_cannot_both_pass_the_concurrency_limit(alice, settings):
    from core.errors import LimitExceeded
    from jobs.services import job_enqueue
    from tests.conftest import client_for

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 1
    submission_id = upload(client_for(alice)).json()["id"]
    outcomes = []
    barrier = threading.Barrier(4)

    def call():
        try:
            barrier.wait()
            job_enqueue(owner=alice, submission_id=submission_id)
            outcomes.append("created")
        except LimitExceeded:
            outcomes.append("limited")
        finally:
            connection.close()

    run_at_once(call, times=4)
    assert sorted(outcomes) == ["created", "limited", "limited", "limited"]
    assert Job.objects.filter(owner=alice).count() == 1


def test_unknown_resource_class_is_400(as_alice, submission_id):
    response = as_alice.post("/api/jobs", {"submission": submission_id, "resource_class": "huge"}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "bad_resource_class"


def test_bad_body_is_400_with_fields(as_alice):
    response = as_alice.post("/api/jobs", {"submission": "not-a-uuid"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and "submission" in response.json()["fields"]


def test_others_submission_and_job_are_404(as_alice, as_bob, submission_id, as_staff):
    assert as_bob.post("/api/jobs", {"submission": submission_id}, format="json").status_code == 404
    job_id = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    for path in ("status", "logs", "results"):
        assert as_bob.get(f"/api/jobs/{job_id}/{path}").status_code == 404
    assert as_bob.post(f"/api/jobs/{job_id}/cancel").status_code == 404
    assert as_staff.get(f"/api/jobs/{job_id}/status").status_code == 200


def test_no_token_is_401_and_bad_token_is_401(anonymous, submission_id):
    assert anonymous.get("/api/jobs").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer lb_000000000000_" + "x" * 30)
    response = anonymous.get("/api/jobs")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_results_before_completion_is_409(as_alice, submission_id):
    job_id = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    response = as_alice.get(f"/api/jobs/{job_id}/results")
    assert response.status_code == 409 and response.json()["error"] == "not_completed"


def test_logs_read_by_offset(as_alice, submission_id):
    job_id = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    with logs.open_for_append(job_id) as log:
        log.write("first line\nsecond ünïcode line\n".encode())
    first = as_alice.get(f"/api/jobs/{job_id}/logs").json()
    assert first["text"] == "first line\nsecond ünïcode line\n"
    assert first["offset"] == 0 and first["complete"] is False  # job not terminal yet
    with logs.open_for_append(job_id) as log:
        log.write(b"third\n")
    more = as_alice.get(f"/api/jobs/{job_id}/logs", {"offset": first["next_offset"]}).json()
    assert more["text"] == "third\n"


def test_cancel_pending_job(as_alice, submission_id):
    job_id = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    response = as_alice.post(f"/api/jobs/{job_id}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = as_alice.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "not_cancellable"


def test_concurrency_limit(as_alice, alice, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 2
    submission_id = upload(as_alice).json()["id"]
    codes = [as_alice.post("/api/jobs", {"submission": submission_id}, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    # Cancelling one frees a slot.
    job = Job.objects.filter(owner=alice).first()
    as_alice.post(f"/api/jobs/{job.pk}/cancel")
    assert as_alice.post("/api/jobs", {"submission": submission_id}, format="json").status_code == 201


def test_hourly_job_limit_ignores_cancelled_and_platform_failures(as_alice, alice, settings):
    settings.LB_RATE_JOBS_HOUR = "2/h"
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 10
    submission_id = upload(as_alice).json()["id"]
    first = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    second = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()["id"]
    blocked = as_alice.post("/api/jobs", {"submission": submission_id}, format="json")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    as_alice.post(f"/api/jobs/{first}/cancel")
    Job.objects.filter(pk=second).update(status="failed", failure_kind="platform")
    assert as_alice.post("/api/jobs", {"submission": submission_id}, format="json").status_code == 201
    me = as_alice.get("/api/me").json()
    window = next(limit for limit in me["limits"] if limit["name"] == "jobs_per_window")
    assert window["used"] == 1 and window["limit"] == 2


def run_at_once(call, *, times: int) -> None:
    """Run ``call`` in ``times`` threads (each waits on a shared barrier first) and wait for all."""
    threads = [threading.Thread(target=call) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_job_list_filters_by_benchmark_and_status(as_alice, submission_id):
    job = as_alice.post("/api/jobs", {"submission": submission_id}, format="json").json()
    assert [j["id"] for j in as_alice.get("/api/jobs?benchmark=toy").json()["results"]] == [job["id"]]
    assert as_alice.get("/api/jobs?benchmark=maze").json()["results"] == []
    assert [j["id"] for j in as_alice.get("/api/jobs?status=pending").json()["results"]] == [job["id"]]
    assert as_alice.get("/api/jobs?status=completed").json()["results"] == []
    bad = as_alice.get("/api/jobs?status=nonsense")  # the query serializer refuses an unknown status
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
