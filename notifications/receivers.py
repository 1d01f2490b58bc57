"""Job news, heard through ``jobs.signals``: each queues one line for the owner's next digest."""

from __future__ import annotations

import logging

from django.urls import reverse

from notifications.models import Kind
from notifications.services import notification_queue, site_url

logger = logging.getLogger(__name__)
REASON_CHARS = 500


def _job_line(job, what: str) -> str:
    method = " ".join(str(job.submission.method).split())[:100]  # one line, whatever the name holds
    return f"Job {str(job.id)[:8]} ({method} on {job.benchmark}) {what}. {site_url(reverse('job', args=[job.id]))}"


def note_completed_job(sender, job, **kwargs) -> None:
    from benchmarks import registry

    try:
        primary = registry.get(job.benchmark).primary_metric
        value = (job.metrics or {}).get(primary)
        score = f": {primary} = {value:.4f}" if isinstance(value, int | float) else ""
    except Exception:  # a benchmark no longer served: the line says completed without the number
        score = ""
    notification_queue(user=job.owner, kind=Kind.JOB_COMPLETED, line=_job_line(job, f"completed{score}"))


def note_failed_job(sender, job_id, reason: str, kind: str, **kwargs) -> None:
    from jobs.models import Job

    job = Job.objects.select_related("owner", "submission").filter(pk=job_id).first()
    if job is None:
        return
    reason = " ".join(str(reason).split())[:REASON_CHARS] or "no reason given"
    whose = "your submission's" if kind == "submission" else "the platform's"
    line = _job_line(job, f"failed ({whose} fault): {reason}")
    notification_queue(user=job.owner, kind=Kind.JOB_FAILED, line=line)
