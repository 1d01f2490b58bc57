"""Upload rates per user (POST /api/submissions); /api/me reads the same counters."""

from __future__ import annotations

from core.throttles import UserThrottle


class SubmissionsPerHour(UserThrottle):
    scope = "submissions_hour"
    rate_setting = "LB_RATE_SUBMISSIONS_HOUR"
    methods = frozenset({"POST"})


class SubmissionsPerDay(UserThrottle):
    scope = "submissions_day"
    rate_setting = "LB_RATE_SUBMISSIONS_DAY"
    methods = frozenset({"POST"})
