"""Cancel and Re-run on the job pages go back to ``next`` only when it is on this site."""

from __future__ import annotations

import pytest

from jobs.models import Job, JobStatus
from jobs.services import job_enqueue

OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
]


@pytest.fixture
def job(alice, as_alice, submit, prepared_toy, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    return job_enqueue(owner=alice, submission_id=submit(as_alice).json()["id"])[0]


@pytest.mark.parametrize("target", OFF_SITE)
def test_cancel_ignores_an_off_site_next(client, alice, job, target):
    client.force_login(alice)
    response = client.post(f"/jobs/{job.pk}/cancel", {"next": target})
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_refused_rerun_ignores_an_off_site_next(client, bob, job, target):
    client.force_login(bob)  # not bob's job: refused, and sent back to ``next`` (if it is ours)
    response = client.post(f"/jobs/{job.pk}/rerun", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/jobs/"
    assert Job.objects.count() == 1


def test_an_on_site_next_is_kept(client, alice, bob, job):
    client.force_login(bob)
    assert client.post(f"/jobs/{job.pk}/rerun", {"next": "/jobs/?status=failed"})["Location"] == "/jobs/?status=failed"
    client.force_login(alice)
    assert client.post(f"/jobs/{job.pk}/cancel", {"next": "/jobs/?page=2"})["Location"] == "/jobs/?page=2"
