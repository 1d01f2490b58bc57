"""Reads of the worker API: the short-lived signed URLs of a claimed job and what they open."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.errors import NotFound
from jobs import remote
from jobs.models import Job, JobStatus
from remote_workers.models import WorkerToken

SALT = "lb.remote-worker.file"
KINDS = ("code", "public")


def signed_urls(job: Job, name: str) -> dict[str, str]:
    """A URL per file of the job, signed (django.core.signing, timestamped) for this worker and this
    attempt; valid LB_WORKER_URL_TTL_S and only while the worker still owns the job."""
    urls = {}
    for kind in KINDS:
        value = signing.dumps({"j": str(job.pk), "k": kind, "w": name, "a": job.attempts}, salt=SALT)
        urls[kind] = reverse("api-worker-file", kwargs={"signed": value})
    return urls


def signed_file(*, signed: str, token: WorkerToken) -> tuple[Path, str]:
    """(path, download name) of a signed URL, for the token it was signed for, while its job runs on
    that worker. Anything else (forged, expired, another token's, another job's) is not found."""
    try:
        value = signing.loads(signed, salt=SALT, max_age=settings.LB_WORKER_URL_TTL_S)
        job_id, kind, name, attempt = value["j"], value["k"], value["w"], value["a"]
    except (signing.BadSignature, KeyError, TypeError):
        raise NotFound("No such file.", code="bad_signature") from None
    job = (
        Job.objects.select_related("submission")
        .filter(pk=job_id, worker=name, attempts=attempt, status=JobStatus.RUNNING)
        .first()
    )
    if job is None or kind not in KINDS or not name.endswith(f"@lbw_{token.prefix}"):
        raise NotFound("No such file.", code="not_your_job")
    if kind == "public":
        path, dataset = remote.public_archive(job.benchmark)
        return path, f"public-{job.benchmark}-{dataset}.tar"
    return remote.code_archive(job), f"code-{job.pk}.tar"
