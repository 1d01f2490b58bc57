"""The one way request rates are limited: DRF throttles on the shared cache
(Redis when ``REDIS_URL`` is set, else a disk cache every process shares).

Rates are Django settings read on each request (``LB_RATE_*``), so tests and
operators change them without touching DRF's class attributes; and a throttle
reports its own counter (``usage``), which is what ``/api/me`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.proxy import client_ip


@dataclass(frozen=True)
class Usage:
    limit: int
    used: int
    window_s: int
    frees_at: datetime | None  # when the oldest counted request stops counting


class SettingRateThrottle(SimpleRateThrottle):
    """A throttle whose rate (``"60/h"``) is the Django setting ``rate_setting``."""

    rate_setting = ""
    methods: frozenset[str] | None = None  # only these methods count (None: all)

    def __init__(self) -> None:  # DRF would read the rate once, here; we read it per request
        pass

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def _load_rate(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view) -> bool:
        if not settings.LB_RATELIMIT_ENABLE:
            return True
        if self.methods is not None and request.method not in self.methods:
            return True
        self._load_rate()
        return super().allow_request(request, view)

    def get_ident(self, request) -> str:
        # The one client address (core/proxy.py): DRF's own would read X-Forwarded-For itself.
        return client_ip(request)

    def key_for(self, ident) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def usage_of(self, ident) -> Usage:
        """What the limiter holds for ``ident`` now (the same cache entry it enforces)."""
        self._load_rate()
        now = self.timer()
        live = [t for t in self.cache.get(self.key_for(ident), []) if t > now - self.duration]
        frees_at = datetime.fromtimestamp(min(live) + self.duration, tz=UTC) if live else None
        return Usage(limit=self.num_requests, used=len(live), window_s=self.duration, frees_at=frees_at)


class UserThrottle(SettingRateThrottle):
    """Counts per signed-in user; anonymous requests are not this throttle's business."""

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.key_for(request.user.pk)

    def usage(self, user) -> Usage:
        return self.usage_of(user.pk)


class AnonThrottle(SettingRateThrottle):
    """Anonymous requests per client address (every API view, by default)."""

    scope = "anon"
    rate_setting = "LB_RATE_ANON"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.key_for(self.get_ident(request))
