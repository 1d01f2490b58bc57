"""Rate limits on the shared cache (django-ratelimit), raised as domain errors."""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage

from core.errors import LimitExceeded


def enforce(request, *, group: str, key: str, rate: str, what: str) -> None:
    """Count one hit for ``key`` in ``group``; over ``rate`` raises a 429."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
    if usage and usage["should_limit"]:
        retry_after = max(int(usage["time_left"]), 1)
        raise LimitExceeded(
            f"Rate limit for {what} reached ({rate}); retry in {retry_after} s.",
            code="rate_limited",
            headers={"Retry-After": str(retry_after)},
        )
