"""The output archive is hostile: unpacked under the upload rules (regular files, safe names) and the
resource class's output limit; a bad one fails the job as the submission's fault, writing nothing
outside the job's output folder."""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.remote_workers.conftest import claim

pytestmark = pytest.mark.django_db


def hostile_tar(add) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add(tar)
    buffer.seek(0)
    buffer.name = "output.tar"
    return buffer


def regular(tar, name: str, data: bytes = b"x") -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    tar.addfile(member, io.BytesIO(data))


def symlink(tar, name: str, target: str) -> None:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = tarfile.SYMTYPE, target
    tar.addfile(member)


CASES = {
    "link": lambda tar: symlink(tar, "predictions.json", "/etc/passwd"),
    "link-then-through": lambda tar: (symlink(tar, "d", "/tmp"), regular(tar, "d/escaped")),
    "dotdot": lambda tar: regular(tar, "../../escaped"),
    "absolute": lambda tar: regular(tar, "/tmp/escaped"),
    "file-then-folder": lambda tar: (regular(tar, "a"), regular(tar, "a/b")),
    "folder-then-file": lambda tar: (regular(tar, "a/b"), regular(tar, "a")),
    "twice": lambda tar: (regular(tar, "a"), regular(tar, "a")),
    "too-large": lambda tar: regular(tar, "big.bin", b"0" * (2 * 2**20 + 1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_output_archive_fails_the_job(case, worker_for, queued_job, settings, tmp_path):
    settings.LB_RESOURCE_CLASSES = {
        **settings.LB_RESOURCE_CLASSES,
        "small": {**settings.LB_RESOURCE_CLASSES["small"], "max_output_mb": 2},
    }
    job = queued_job()
    worker = worker_for(["default"])
    claim(worker)
    archive = hostile_tar(CASES[case])
    response = worker.post(f"/api/worker/jobs/{job.pk}/output", {"archive": archive}, format="multipart")
    assert response.status_code == 200 and response.json() == {"result": "failed"}, response.content
    job.refresh_from_db()
    assert job.status == "failed" and job.failure_kind == "submission" and job.error.startswith("output rejected")
    jobs_dir = settings.DATA_DIR / "jobs"
    assert not list(jobs_dir.rglob("escaped")) and not list(settings.DATA_DIR.glob("escaped"))
    assert not [p for p in (jobs_dir / str(job.pk)).rglob("*") if p.is_symlink()]
