"""The e-mail's unsubscribe link works signed out: GET shows one button (a mail scanner following
links unsubscribes nobody), POST (the button, or an RFC 8058 client) turns every e-mail off.
A forged or altered link does nothing."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from notifications.selectors import settings_of
from notifications.services import unsubscribe_token
from notifications.tasks import send_digest
from tests.notifications.conftest import announce


def _link(body: str) -> str:
    return re.search(r"https://lb\.example\.org(/notifications/unsubscribe/[^/\s]+/)", body).group(1)


def test_unsubscribe_link_works_logged_out(alice, as_alice, completed_job, tmp_path):
    announce(completed_job(alice, as_alice), tmp_path)
    send_digest.call_local(alice.pk)
    link = _link(mail.outbox[0].body)
    assert mail.outbox[0].extra_headers["List-Unsubscribe"] == f"<https://lb.example.org{link}>"

    anonymous = Client(enforce_csrf_checks=True)  # no session, no CSRF token: as a mail client posts it
    shown = anonymous.get(link)
    assert shown.status_code == 200 and b'id="unsubscribe-form"' in shown.content
    assert settings_of(alice).job_emails  # looking is not unsubscribing
    done = anonymous.post(link)
    assert done.status_code == 200 and b'id="unsubscribed"' in done.content
    mine = settings_of(alice)
    assert (mine.job_emails, mine.phase_emails) == (False, False)

    announce(completed_job(alice, as_alice, method="after"), tmp_path)
    assert send_digest.call_local(alice.pk) == 0 and len(mail.outbox) == 1


def test_a_tampered_link_unsubscribes_nobody(alice, bob):
    token = unsubscribe_token(alice)
    payload, _, signature = token.rpartition(":")
    forged = unsubscribe_token(bob).rpartition(":")[0] + ":" + signature  # bob's payload, alice's signature
    for bad in (forged, token[:-2] + "xx", "garbage"):
        response = Client().post(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400 and b"not valid" in response.content
    assert settings_of(alice).job_emails and settings_of(bob).job_emails
