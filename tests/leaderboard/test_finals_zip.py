"""Staff download a benchmark's final entries as one zip, streamed (no temporary file of the whole);
no one else can."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from jobs.models import Job
from leaderboard.finals import final_mark
from submissions.models import Submission
from tests.conftest import toy_files, zip_bytes
from tests.leaderboard.conftest import entry_of

SENT = {main: zip_bytes(toy_files(main=main)) for main in ("print('alice')\n", "print('bob')\n")}


def _final_of(user, client, method: str, main: str) -> Job:
    archive = SimpleUploadedFile("sub.zip", SENT[main], content_type="application/zip")
    response = client.post(
        "/api/submissions", {"benchmark": "toy", "method": method, "archive": archive}, format="multipart"
    )
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(pk=response.json()["id"])
    job = Job.objects.create(
        submission=submission, owner=user, benchmark="toy", resource_class="small", status="completed"
    )
    from leaderboard.receivers import enter_completed_job

    enter_completed_job(sender=None, job=job)
    final_mark(user=user, entry_id=entry_of(job).pk, job_id=str(job.pk))
    return job


def test_staff_get_every_final_archive_in_one_streamed_zip(
    make_phase, alice, bob, as_alice, as_bob, as_staff, prepared_toy
):
    make_phase()
    jobs = [
        _final_of(alice, as_alice, "a", "print('alice')\n"),
        _final_of(bob, as_bob, "b", "print('bob')\n"),
    ]
    response = as_staff.get("/api/benchmarks/toy/finals.zip")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert len(chunks) > 1  # sent as it was written, not built whole first
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = sorted(bundle.namelist())
    assert names == sorted(f"{entry_of(job).pk}-{job.owner.username}-{job.pk}.zip" for job in jobs)
    for job in jobs:
        inner = bundle.read(f"{entry_of(job).pk}-{job.owner.username}-{job.pk}.zip")
        main = "print('alice')\n" if job.owner == alice else "print('bob')\n"
        assert inner == SENT[main]  # each archive byte for byte
    for other in (as_alice, as_bob):
        assert other.get("/api/benchmarks/toy/finals.zip").status_code == 403
