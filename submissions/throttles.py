"""Upload rates per user (POST /api/submissions); /api/me reads the same counters."""

from __future__ import annotations

from core.errors import LimitExceeded
from core.throttles import UserThrottle


class SubmissionsPerHour(UserThrottle):
    scope = "submissions_hour"
    rate_setting = "LB_RATE_SUBMISSIONS_HOUR"
    methods = frozenset({"POST"})


class SubmissionsPerDay(UserThrottle):
    scope = "submissions_day"
    rate_setting = "LB_RATE_SUBMISSIONS_DAY"
    methods = frozenset({"POST"})


def throttle_uploads(request) -> None:
    """For upload forms outside DRF (the submit page): the API's throttles on the
    same counters; over a limit raises the API's 429 (``rate_limited``)."""
    for throttle in (SubmissionsPerHour(), SubmissionsPerDay()):
        if not throttle.allow_request(request, None):
            wait = max(int(throttle.wait() or 1), 1)
            raise LimitExceeded(
                f"Upload rate limit reached ({throttle.rate}); retry in {wait} s.",
                code="rate_limited",
                headers={"Retry-After": str(wait)},
            )
