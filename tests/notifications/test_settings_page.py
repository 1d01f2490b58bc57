"""The settings page: job e-mails on by default; turning them off stops the job lines."""

from __future__ import annotations

from django.core import mail

from notifications.tasks import send_digest
from tests.notifications.conftest import announce


def test_defaults_and_turning_job_emails_off(client, alice, as_alice, completed_job, tmp_path):
    client.force_login(alice)
    page = client.get("/me/notifications/").content.decode()
    assert 'id="job_emails" checked' in page and 'id="phase_emails" checked' in page
    assert client.post("/me/notifications/", {"phase_emails": "on"}).status_code == 302
    page = client.get("/me/notifications/").content.decode()
    assert 'id="job_emails" checked' not in page and 'id="phase_emails" checked' in page
    announce(completed_job(alice, as_alice), tmp_path)
    assert send_digest.call_local(alice.pk) == 0 and mail.outbox == []


def test_signed_out_is_sent_to_sign_in(client, db):
    response = client.get("/me/notifications/")
    assert response.status_code == 302 and "login" in response["Location"]
