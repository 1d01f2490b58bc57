"""Writes: queue a line for a user's next digest, send digests, settings, unsubscribe, phase events.

A notification is never sent where it happens: the event queues one line (in the event's own
transaction), and after commit a Huey task is scheduled ``LB_NOTIFY_BATCH_S`` later, once per batch,
to send the user one e-mail with every line queued by then. Fifty jobs finishing in a minute: one e-mail.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInput
from notifications import selectors
from notifications.models import Kind, NotificationSettings, PendingNotification, PhaseNotice

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_LINES = 200  # per e-mail; the rest go in the next one
RECENT = timedelta(days=1)  # phase events older than this are history, never announced late


def site_url(path: str) -> str:
    return settings.LB_SITE_URL.rstrip("/") + path


def notification_queue(*, user: AbstractBaseUser, kind: str, line: str) -> bool:
    """Queue ``line`` for ``user``'s next digest if they want ``kind``; schedule the digest after commit
    unless one is already waiting for this user (its task will take this line too)."""
    if not selectors.wants(user, kind):
        return False
    waiting = PendingNotification.objects.filter(user_id=user.pk, sent_at__isnull=True).exists()
    PendingNotification.objects.create(user_id=user.pk, kind=kind, line=line[:2000])
    if not waiting:
        transaction.on_commit(partial(_schedule_flush, user.pk))
    return True


def _schedule_flush(user_id: int) -> None:
    from notifications.tasks import send_digest

    try:
        send_digest.schedule((user_id,), delay=settings.LB_NOTIFY_BATCH_S)
    except Exception:  # the queue is down: the periodic sweep (tasks.send_overdue_digests) sends it later
        logger.exception("could not schedule the digest of user %s", user_id)


def unsubscribe_token(user: AbstractBaseUser) -> str:
    """Signed (HMAC with SECRET_KEY), so it unsubscribes only its own user and cannot be forged."""
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user: AbstractBaseUser) -> str:
    return site_url(reverse("notification-unsubscribe", args=[unsubscribe_token(user)]))


def notifications_unsubscribe(*, token: str) -> AbstractBaseUser:
    """Turn every e-mail off for the token's user; no sign-in needed, the signature is the proof."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise InvalidInput("This unsubscribe link is not valid.", code="invalid_link") from exc
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidInput("This unsubscribe link is not valid.", code="invalid_link")
    notification_settings_update(user=user, job_emails=False, phase_emails=False)
    return user


def notification_settings_update(*, user: AbstractBaseUser, job_emails: bool, phase_emails: bool) -> None:
    NotificationSettings.objects.update_or_create(
        user_id=user.pk, defaults={"job_emails": job_emails, "phase_emails": phase_emails}
    )


def _subject(lines: list[PendingNotification]) -> str:
    # Built from counts only: no submitter-chosen text in a header.
    if len(lines) == 1:
        return f"leaders-board: {Kind(lines[0].kind).label}"
    return f"leaders-board: {len(lines)} updates"


def notifications_flush(*, user_id: int) -> int:
    """Send ``user_id`` one e-mail with every unsent line (claimed first, so a second flush sends none
    of them); 0 or 1, the number of e-mails sent. A failed send releases the lines and raises (Huey retries)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return 0
    batch = uuid.uuid4()
    ids = list(
        PendingNotification.objects.filter(user_id=user_id, sent_at__isnull=True).values_list("pk", flat=True)[
            :MAX_LINES
        ]
    )
    claimed = PendingNotification.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        batch=batch, sent_at=timezone.now()
    )
    if not claimed:
        return 0
    lines = list(PendingNotification.objects.filter(batch=batch))
    if not getattr(user, "email", "") or not user.is_active:
        return 0  # the address went since: the lines are dropped, not kept for ever
    body = "\n\n".join(f"* {line.line}" for line in lines)
    body += (
        f"\n\n--\nChange what you receive: {site_url(reverse('notification-settings'))}"
        f"\nUnsubscribe from every e-mail (one click, no sign-in): {unsubscribe_url(user)}\n"
    )
    message = EmailMessage(
        subject=_subject(lines),
        body=body,
        to=[user.email],
        # RFC 8058 one-click: mail clients POST to the link themselves.
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url(user)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except Exception:
        PendingNotification.objects.filter(batch=batch).update(batch=None, sent_at=None)
        raise
    logger.info("notification digest sent", extra={"user_id": user_id, "lines": len(lines)})
    return 1


def notifications_flush_overdue(*, now: datetime | None = None) -> int:
    """The safety net: send every digest whose oldest line waited past the batch window (a lost
    scheduled task, a queue outage). Returns the number of e-mails sent."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LB_NOTIFY_BATCH_S)
    users = (
        PendingNotification.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sum(notifications_flush(user_id=user_id) for user_id in list(users))


def _announce(phase, kind: str, line: str) -> int:
    """Queue ``line`` for the phase's audience once: the PhaseNotice row is the 'once'."""
    try:
        with transaction.atomic():
            PhaseNotice.objects.create(phase=phase, kind=kind)
            audience = list(selectors.phase_audience(phase.benchmark))
            return sum(notification_queue(user=user, kind=kind, line=line) for user in audience)
    except IntegrityError:
        return 0  # announced already


def phases_announce_due(*, now: datetime | None = None) -> int:
    """Queue the phase e-mails due now: a phase that started, one ending within 24 h, a reveal.
    Events older than a day are skipped (a new deployment does not announce its history)."""
    from phases.models import Phase

    now = now or timezone.now()
    board = lambda phase: site_url(reverse("board", args=[phase.benchmark]))  # noqa: E731
    queued = 0
    for phase in Phase.objects.filter(starts_at__lte=now, starts_at__gt=now - RECENT, ends_at__gt=now):
        line = f"Phase {phase.name} of {phase.benchmark} has started; it ends {phase.ends_at:%Y-%m-%d %H:%M} UTC. {board(phase)}"
        queued += _announce(phase, Kind.PHASE_STARTED, line)
    for phase in Phase.objects.filter(starts_at__lte=now, ends_at__gt=now, ends_at__lte=now + timedelta(hours=24)):
        line = f"Phase {phase.name} of {phase.benchmark} ends within 24 h, at {phase.ends_at:%Y-%m-%d %H:%M} UTC. {board(phase)}"
        queued += _announce(phase, Kind.PHASE_ENDING, line)
    for phase in Phase.objects.filter(revealed_at__gt=now - RECENT, revealed_at__lte=now):
        line = f"The private ranking of phase {phase.name} of {phase.benchmark} is revealed. {board(phase)}"
        queued += _announce(phase, Kind.PHASE_REVEALED, line)
    return queued
