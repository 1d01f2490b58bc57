"""What counts against a user's limits now, and when it frees up."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from jobs import selectors


def quotas_for(user: AbstractBaseUser) -> list[dict]:
    return _platform_quotas(user) + _phase_quotas(user)


def _phase_quotas(user: AbstractBaseUser) -> list[dict]:
    """The limits of every running phase that sets any."""
    from django.db.models import Q
    from django.utils import timezone

    from leaderboard.models import Phase
    from leaderboard.phases import limits_of

    now = timezone.now()
    limited = Q(max_per_day__isnull=False) | Q(max_total__isnull=False) | Q(max_concurrent__isnull=False)
    running = Phase.objects.filter(limited, starts_at__lte=now, ends_at__gt=now, revealed_at__isnull=True)
    return [{**limit, "benchmark": phase.benchmark} for phase in running for limit in limits_of(phase, owner=user, now=now)]


def _platform_quotas(user: AbstractBaseUser) -> list[dict]:
    rate = selectors.job_rate_usage(owner=user)
    return [
        {
            "name": "active_jobs",
            "limit": settings.LB_MAX_ACTIVE_JOBS_PER_USER,
            "used": selectors.active_job_count(owner=user),
            "window_s": None,
            "frees_at": None,
        },
        {
            "name": "jobs_per_window",
            "limit": rate.limit,
            "used": rate.used,
            "window_s": int(rate.window.total_seconds()),
            "frees_at": rate.frees_at.isoformat() if rate.frees_at else None,
        },
        {
            "name": "submissions_per_hour",
            "limit": selectors.parse_rate(settings.LB_RATE_SUBMISSIONS_HOUR)[0],
            "used": _recent_submissions(user, 3600),
            "window_s": 3600,
            "frees_at": None,
        },
    ]


def _recent_submissions(user: AbstractBaseUser, seconds: int) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from submissions.models import Submission

    return Submission.objects.filter(owner=user, created_at__gte=timezone.now() - timedelta(seconds=seconds)).count()
