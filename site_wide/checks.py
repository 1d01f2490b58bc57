"""Deploy checks of what this app routes (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def bench_views_off(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``/api/bench/bare`` is the yardstick of bench/api_latency.py, not a product route: a
    deployment must not serve it (it answers any token holder and exists only to be timed)."""
    if not getattr(settings, "LB_BENCH_VIEWS", False):
        return []
    return [
        checks.Error(
            "LB_BENCH_VIEWS is on: /api/bench/bare, a benchmark-only view, is routed.",
            hint="Unset LB_BENCH_VIEWS (bench/api_latency.py sets it for its own server).",
            id="lb.E002",
        )
    ]
