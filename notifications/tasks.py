"""Huey tasks: one user's digest (scheduled after commit), and the minutely sweep for phase events
and digests whose scheduled task was lost."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def send_digest(user_id: int) -> int:
    from notifications.services import notifications_flush

    return notifications_flush(user_id=user_id)


@db_periodic_task(crontab(minute="*"))
def announce_phases_and_send_overdue() -> dict[str, int]:
    from notifications.services import notifications_flush_overdue, phases_announce_due

    queued = phases_announce_due()
    sent = notifications_flush_overdue()
    if queued or sent:
        logger.info("notifications: %d phase line(s) queued, %d overdue digest(s) sent", queued, sent)
    return {"queued": queued, "sent": sent}
