"""Who gets which e-mail: one rule per kind, read here only."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from notifications.models import JOB_KINDS, NotificationSettings


def settings_of(user: AbstractBaseUser) -> NotificationSettings:
    """The user's settings, or the unsaved defaults."""
    return NotificationSettings.objects.filter(user_id=user.pk).first() or NotificationSettings(user_id=user.pk)


def wants(user: AbstractBaseUser, kind: str) -> bool:
    """Whether ``user`` gets e-mail of ``kind``: an active account with an address, opted in."""
    if not (user.is_active and getattr(user, "email", "")):
        return False
    mine = settings_of(user)
    return mine.job_emails if kind in JOB_KINDS else mine.phase_emails


def phase_audience(benchmark: str) -> QuerySet:
    """Phase e-mails go only to those who submitted to the benchmark, with an address, not opted out."""
    from submissions.models import Submission

    opted_out = NotificationSettings.objects.filter(user_id=OuterRef("pk"), phase_emails=False)
    submitted = Submission.objects.filter(owner_id=OuterRef("pk"), benchmark=benchmark)
    return (
        get_user_model()
        .objects.filter(Exists(submitted), is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
        .exclude(Exists(opted_out))
        .order_by("pk")
    )
