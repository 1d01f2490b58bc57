"""A completed job sends its owner one e-mail, from the Huey task scheduled after commit, with the
score and a link to the job page; nothing is sent inside the event's transaction."""

from __future__ import annotations

from django.core import mail

from notifications.tasks import send_digest
from tests.notifications.conftest import announce, digests_scheduled


def test_one_completion_one_email(alice, as_alice, completed_job, tmp_path, django_capture_on_commit_callbacks):
    job = completed_job(alice, as_alice, method="my-parity")
    with django_capture_on_commit_callbacks() as after_commit:
        announce(job, tmp_path)
    assert digests_scheduled(after_commit) == [alice.pk]  # the digest is scheduled only once the event is committed
    assert mail.outbox == []  # ...and nothing went out inside it

    assert send_digest.call_local(alice.pk) == 1  # what the worker runs LB_NOTIFY_BATCH_S later
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "leaders-board: job completed"
    assert f"Job {str(job.pk)[:8]} (my-parity on toy) completed: accuracy = 0.8750" in message.body
    assert f"https://lb.example.org/jobs/{job.pk}/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert send_digest.call_local(alice.pk) == 0  # a line goes out once
    assert len(mail.outbox) == 1


def test_no_email_for_a_user_without_an_address(alice, as_alice, completed_job, tmp_path):
    alice.email = ""
    alice.save(update_fields=["email"])
    announce(completed_job(alice, as_alice), tmp_path)
    assert send_digest.call_local(alice.pk) == 0 and mail.outbox == []


def test_the_commit_puts_the_digest_on_the_queue(
    alice, as_alice, completed_job, tmp_path, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    def mine():
        return [t for t in HUEY.pending() if t.name.endswith("send_digest") and tuple(t.args) == (alice.pk,)]

    before = len(mine())
    with django_capture_on_commit_callbacks(execute=True):
        announce(completed_job(alice, as_alice), tmp_path)
    [task] = mine()[before:]
    assert task.eta is not None  # delayed by LB_NOTIFY_BATCH_S, so the rest of the batch can join it
    HUEY.flush()
