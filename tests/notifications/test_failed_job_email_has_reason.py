"""A failed job's e-mail says whose fault it was and why (the job's error, one line, bounded);
a cancelled job sends nothing."""

from __future__ import annotations

from django.core import mail

from jobs.models import JobStatus
from jobs.services import job_cancel, job_enqueue
from jobs.transitions import job_fail
from notifications.tasks import send_digest


def test_failure_sends_the_reason(alice, as_alice, submit, prepared_toy):
    submission = submit(as_alice, method="crashy").json()["id"]
    job = job_enqueue(owner=alice, submission_id=submission)[0]
    assert job_fail(job_id=str(job.pk), reason="main.py exited with code 1\nTraceback: boom", kind="submission")
    assert send_digest.call_local(alice.pk) == 1
    [message] = mail.outbox
    assert message.subject == "leaders-board: job failed"
    assert (
        f"Job {str(job.pk)[:8]} (crashy on toy) failed (your submission's fault): "
        "main.py exited with code 1 Traceback: boom" in message.body
    )


def test_a_failure_that_did_not_happen_sends_nothing(alice, as_alice, submit, prepared_toy):
    submission = submit(as_alice).json()["id"]
    job = job_enqueue(owner=alice, submission_id=submission)[0]
    job_cancel(job=job, actor=alice)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert not job_fail(job_id=str(job.pk), reason="late", kind="platform")  # the conditional update lost
    assert send_digest.call_local(alice.pk) == 0 and mail.outbox == []
