"""Phase e-mails (a phase starts, ends within 24 h, is revealed) go once, and only to those who
submitted to the benchmark and did not opt out."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from notifications.services import notification_settings_update, phases_announce_due
from notifications.tasks import send_digest
from phases.models import Phase


def test_started_and_ending_go_once_to_submitters_only(alice, as_alice, bob, staff, submit, prepared_toy):
    submit(as_alice, method="early")  # alice submitted to toy; bob never did
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="final", starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=3)
    )
    assert phases_announce_due(now=now) == 2  # started + ends within 24 h, for alice
    assert phases_announce_due(now=now + timedelta(minutes=1)) == 0  # once only
    assert send_digest.call_local(alice.pk) == 1 and send_digest.call_local(bob.pk) == 0
    [message] = mail.outbox
    assert message.to == ["alice@example.org"] and message.subject == "leaders-board: 2 updates"
    assert "Phase final of toy has started" in message.body and "Phase final of toy ends within 24 h" in message.body


def test_reveal_is_announced_and_opting_out_is_honoured(alice, as_alice, bob, as_bob, submit, prepared_toy):
    submit(as_alice)
    submit(as_bob)
    notification_settings_update(user=bob, job_emails=True, phase_emails=False)
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy",
        name="old",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=2),
        revealed_at=now - timedelta(minutes=3),
    )
    assert phases_announce_due(now=now) == 1
    assert send_digest.call_local(alice.pk) == 1 and send_digest.call_local(bob.pk) == 0
    assert "The private ranking of phase old of toy is revealed" in mail.outbox[0].body


def test_history_is_not_announced(alice, as_alice, submit, prepared_toy):
    submit(as_alice)
    now = timezone.now()
    Phase.objects.create(
        benchmark="toy", name="long", starts_at=now - timedelta(days=5), ends_at=now + timedelta(days=5)
    )
    assert phases_announce_due(now=now) == 0
