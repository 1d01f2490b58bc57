"""The worker API in-process, step by step: claim, the signed downloads (code and public data only),
log, heartbeat, the output upload, and the platform's scoring of it (jobs/remote.py)."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from jobs import logs
from jobs.models import Job
from jobs.remote import execute_uploaded, handoff_name
from tests.remote_workers.conftest import claim

pytestmark = pytest.mark.django_db


def tar_of(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    buffer.seek(0)
    buffer.name = "output.tar"
    return buffer


def names_in(response) -> dict[str, bytes]:
    body = b"".join(response.streaming_content)
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_claim_download_report_and_score(worker_for, queued_job, tracking):
    job = queued_job()
    worker = worker_for(["default"])
    response = claim(worker)
    assert response.status_code == 200
    body = response.json()
    assert body["job"] == str(job.pk) and body["plan"]["argv"][:2] == ["{python}", "main.py"]
    assert "PATH" not in body["plan"]["env"] and body["plan"]["env"]["LB_DATASET_DIR"] == "{dataset}"
    job.refresh_from_db()
    assert job.status == "running" and job.worker == body["worker"] and job.worker.endswith(worker.token.prefix)

    code = names_in(worker.get(body["urls"]["code"]))
    assert set(code) == {"main.py", "config.yaml"}
    public = names_in(worker.get(body["urls"]["public"]))
    assert set(public) == {"numbers.json"}  # the hidden truth.json stays on the platform

    assert worker.post(f"/api/worker/jobs/{job.pk}/log", b"hello from the gpu\n", content_type="x/y").status_code == 204
    beat = worker.post("/api/worker/heartbeat", {"job": str(job.pk)}, format="json")
    assert beat.json() == {"owned": True}

    numbers = json.loads(public["numbers.json"])
    output = tar_of({"predictions.json": json.dumps([n % 2 == 0 for n in numbers]).encode()})
    report = worker.post(f"/api/worker/jobs/{job.pk}/output", {"archive": output, "run_s": "1.5"}, format="multipart")
    assert report.json() == {"result": "scoring"}
    job.refresh_from_db()
    assert job.phase == "scoring" and job.worker == handoff_name(str(job.pk))
    assert worker.post("/api/worker/heartbeat", {"job": str(job.pk)}, format="json").json() == {"owned": False}

    assert execute_uploaded(str(job.pk), 1.5, 0.0) == "completed"  # the scoring pool's task
    job = Job.objects.get(pk=job.pk)
    assert job.status == "completed" and job.metrics["accuracy"] == 1.0 and job.run_id
    assert "hello from the gpu" in logs.read_chunk(job.pk).text


def test_a_failed_remote_run_fails_the_job_as_a_local_one_would(worker_for, queued_job):
    job = queued_job()
    worker = worker_for(["default"])
    claim(worker)
    worker.post(f"/api/worker/jobs/{job.pk}/log", b"Traceback: boom\n", content_type="x/y")
    response = worker.post(
        f"/api/worker/jobs/{job.pk}/failed", {"kind": "exit", "exit_code": 1, "run_s": 0.5}, format="json"
    )
    assert response.json() == {"result": "failed"}
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "submission" and "boom" in job.error
