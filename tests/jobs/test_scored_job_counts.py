"""A score is a spent job: a job that was scored and then failed as the platform's (MLflow away
or refusing) counts against its owner's job rate, in the usage shown and in the enqueue's check, and
shows no score in its log or results until it is recorded and completes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jobs import logs
from jobs.enqueue_lock import enqueue_lock
from jobs.models import Job
from jobs.runner import execute, job_rerecord
from jobs.selectors import enqueue_check, job_rate_usage
from jobs.services import job_enqueue
from tests.conftest import toy_files


@pytest.fixture
def scored_then_failed(alice, as_alice, submit, prepared_toy, tracking, settings):
    """alice's job, scored, then failed in recording (nothing listens at the tracking URI)."""
    response = submit(as_alice, toy_files())
    assert response.status_code == 201, response.json()
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    settings.TRACKING_RETRIES = 1
    assert execute(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.failure_kind == "platform" and job.needs_recording and job.metrics["accuracy"] == 1.0
    settings.MLFLOW_TRACKING_URI = tracking
    return job, response.json()["id"]


def test_it_counts_against_the_rate_shown_and_checked(scored_then_failed, alice):
    job, submission_id = scored_then_failed
    assert job_rate_usage(owner=alice).used == 1  # what /api/me shows
    with enqueue_lock(alice):
        assert enqueue_check(owner=alice, submission_id=submission_id).rate.used == 1  # the enqueue's


def test_the_next_job_is_refused_at_a_rate_of_one(scored_then_failed, as_alice, settings):
    _, submission_id = scored_then_failed
    settings.LB_RATE_JOBS_HOUR = "1/h"
    response = as_alice.post("/api/jobs", {"submission": submission_id}, format="json")
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"


def test_a_platform_failure_before_scoring_is_still_free(alice, as_alice, submit, prepared_toy, settings):
    response = submit(as_alice, toy_files())
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    Job.objects.filter(pk=job.pk).update(status="failed", failure_kind="platform")
    assert job_rate_usage(owner=alice).used == 0
    with enqueue_lock(alice):
        assert enqueue_check(owner=alice, submission_id=response.json()["id"]).rate.used == 0


def test_its_log_and_results_show_no_score_until_it_completes(scored_then_failed, as_alice):
    job, _ = scored_then_failed
    text = logs.read_chunk(job.pk).text
    assert "scored: " not in text and "accuracy=" not in text, text
    assert "Scoring was done; the job will be recorded" in text
    assert as_alice.get(f"/api/jobs/{job.pk}/results").status_code == 409
    status = as_alice.get(f"/api/jobs/{job.pk}/status").json()
    assert "metrics" not in status and "1.0" not in str(status.get("error"))
    browser = Client()
    browser.force_login(job.owner)
    page = browser.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and b'id="metrics"' not in page.content and b"metrics-pending" in page.content

    job = job_rerecord(job=job)  # tracking is back
    assert job.status == "completed"
    assert re.search(r"scored: .*accuracy=1\b", logs.read_chunk(job.pk).text)
    assert as_alice.get(f"/api/jobs/{job.pk}/results").json()["metrics"]["accuracy"] == 1.0
