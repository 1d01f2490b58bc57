"""What counts against a user's limits now, and when it frees up."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from core.throttles import Usage
from jobs import admission, selectors
from phases import selectors as phases
from submissions.throttles import SubmissionsPerDay, SubmissionsPerHour


def quotas_for(user: AbstractBaseUser) -> list[dict]:
    return _platform_quotas(user) + _phase_quotas(user)


def _phase_quotas(user: AbstractBaseUser) -> list[dict]:
    """The limits of every running phase that sets any, with the user's usage."""
    now = timezone.now()
    return [
        {**limit, "benchmark": phase.benchmark}
        for phase in phases.limited_running_phases(now=now)
        for limit in admission.limits_of(phase, owner=user, now=now)
    ]


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
        *(
            _throttle_quota(name, throttle.usage(user))
            for name, throttle in (
                ("submissions_per_hour", SubmissionsPerHour()),
                ("submissions_per_day", SubmissionsPerDay()),
            )
        ),
    ]


def _throttle_quota(name: str, usage: Usage) -> dict:
    """A request-rate limit as the throttle that enforces it counts it (the same cache entry)."""
    return {
        "name": name,
        "limit": usage.limit,
        "used": usage.used,
        "window_s": usage.window_s,
        "frees_at": usage.frees_at.isoformat() if usage.frees_at else None,
    }
