"""Fifty jobs finishing within the batch window give one e-mail listing all fifty, from one scheduled
task; another user's jobs go to that user alone."""

from __future__ import annotations

from django.core import mail

from notifications.tasks import send_digest
from tests.notifications.conftest import announce, digests_scheduled


def test_fifty_quick_completions_one_email(
    alice, as_alice, bob, as_bob, completed_job, submit, tmp_path, django_capture_on_commit_callbacks
):
    submission = submit(as_alice, method="sweep").json()["id"]
    jobs = [completed_job(alice, as_alice, submission=submission, accuracy=i / 100) for i in range(50)]
    bobs = completed_job(bob, as_bob, method="bobs")
    with django_capture_on_commit_callbacks() as after_commit:
        for job in jobs:
            announce(job, tmp_path)
        announce(bobs, tmp_path)
    assert sorted(digests_scheduled(after_commit)) == sorted(
        [alice.pk, bob.pk]
    )  # one digest scheduled per user, not one per job

    assert send_digest.call_local(alice.pk) == 1
    assert send_digest.call_local(bob.pk) == 1
    by_user = {message.to[0]: message for message in mail.outbox}
    assert set(by_user) == {"alice@example.org", "bob@example.org"} and len(mail.outbox) == 2
    alices = by_user["alice@example.org"]
    assert alices.subject == "leaders-board: 50 updates"
    assert all(f"Job {str(job.pk)[:8]} (sweep on toy) completed" in alices.body for job in jobs)
    assert "bobs" not in alices.body and str(bobs.pk)[:8] in by_user["bob@example.org"].body
