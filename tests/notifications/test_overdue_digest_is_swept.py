"""A digest whose scheduled task was lost (a queue outage) goes out with the minutely sweep once its
oldest line is older than the batch window, and not before."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from notifications.models import PendingNotification
from notifications.tasks import announce_phases_and_send_overdue
from tests.notifications.conftest import announce


def test_the_sweep_sends_what_waited_too_long(alice, as_alice, completed_job, tmp_path, settings):
    settings.LB_NOTIFY_BATCH_S = 60
    announce(completed_job(alice, as_alice), tmp_path)  # its on-commit schedule never runs in this test
    assert announce_phases_and_send_overdue.call_local() == {"queued": 0, "sent": 0}  # still in its window
    PendingNotification.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert announce_phases_and_send_overdue.call_local() == {"queued": 0, "sent": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
