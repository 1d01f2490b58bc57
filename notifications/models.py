"""E-mail notifications: each user's settings, the pending lines of their next digest, and which
phase events were already announced."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    JOB_COMPLETED = "job_completed", "job completed"
    JOB_FAILED = "job_failed", "job failed"
    PHASE_STARTED = "phase_started", "phase started"
    PHASE_ENDING = "phase_ending", "phase ends within 24 h"
    PHASE_REVEALED = "phase_revealed", "private ranking revealed"


JOB_KINDS = (Kind.JOB_COMPLETED, Kind.JOB_FAILED)
PHASE_KINDS = (Kind.PHASE_STARTED, Kind.PHASE_ENDING, Kind.PHASE_REVEALED)


class NotificationSettings(models.Model):
    """A missing row means the defaults: job e-mails on; phase e-mails on, but sent only for
    benchmarks the user submitted to (notifications.selectors.phase_audience)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="notification_settings"
    )
    job_emails = models.BooleanField(default=True)
    phase_emails = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notifications of user {self.user_id}"


class PendingNotification(models.Model):
    """One line of a user's next digest. A flush claims unsent lines with one conditional update
    (``batch``), so two flushes never send the same line."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    line = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "sent_at"], name="notif_pending_user_sent")]


class PhaseNotice(models.Model):
    """A phase event already announced: the unique pair makes each announcement happen once, whichever
    scheduler tick (or process) sees it first."""

    phase = models.ForeignKey("phases.Phase", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phase", "kind"], name="notif_phase_notice_once")]
