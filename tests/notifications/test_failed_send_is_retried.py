"""A digest that cannot be sent (the mail server refuses) raises for Huey to retry and keeps its lines:
the retry sends them all, once."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.tasks import send_digest
from tests.conftest import free_port
from tests.notifications.conftest import announce


def test_lines_survive_a_refused_send(alice, as_alice, completed_job, tmp_path, settings):
    job = completed_job(alice, as_alice)
    announce(job, tmp_path)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    with pytest.raises(OSError):
        send_digest.call_local(alice.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_digest.call_local(alice.pk) == 1  # Huey's retry
    [message] = mail.outbox
    assert str(job.pk)[:8] in message.body
    assert send_digest.call_local(alice.pk) == 0
