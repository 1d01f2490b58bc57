"""An owner downloads their own archive, byte for byte; another user gets 404; staff may download any;
downloads are rate-limited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.services import job_enqueue
from submissions.models import Submission
from tests.conftest import toy_files, zip_bytes

SENT = zip_bytes(toy_files())  # built once: a zip's bytes carry the time it was made


@pytest.fixture
def alices_job(alice, as_alice, prepared_toy):
    archive = SimpleUploadedFile("sub.zip", SENT, content_type="application/zip")
    response = as_alice.post(
        "/api/submissions", {"benchmark": "toy", "method": "m", "archive": archive}, format="multipart"
    )
    assert response.status_code == 201, response.content
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    return job


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_owner_gets_the_archive_byte_identical(alices_job, as_alice):
    response = as_alice.get(f"/api/jobs/{alices_job.pk}/archive")
    assert response.status_code == 200
    assert _body(response) == SENT
    stored = Submission.objects.get(pk=alices_job.submission_id).archive.name
    assert response["Content-Disposition"] == f'attachment; filename="{stored}"'


def test_another_user_gets_404_and_staff_get_it(alices_job, as_bob, as_staff, anonymous):
    url = f"/api/jobs/{alices_job.pk}/archive"
    assert as_bob.get(url).status_code == 404
    assert anonymous.get(url).status_code in (401, 403)
    assert _body(as_staff.get(url)) == SENT


@pytest.mark.ratelimit
def test_downloads_are_rate_limited(alices_job, as_alice, settings):
    settings.LB_RATE_DOWNLOADS_HOUR = "2/h"
    url = f"/api/jobs/{alices_job.pk}/archive"
    assert [as_alice.get(url).status_code for _ in range(3)] == [200, 200, 429]
