"""The staff fleet page and Prometheus's /metrics."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_prometheus.exports import ExportToDjangoView

from core.proxy import client_ip
from fleet import selectors


@staff_member_required
def fleet_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "fleet/page.html",
        {
            "workers": selectors.fleet_snapshot(),
            "pools": selectors.pool_summary(),
            "heartbeat_timeout_s": settings.LB_HEARTBEAT_TIMEOUT_S,
        },
    )


def _allowed_address(address: str) -> bool:
    """Is ``address`` (the client address of core/proxy.py, never a header) inside one of LB_METRICS_ALLOW?"""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.LB_METRICS_ALLOW:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: django-prometheus's request metrics plus fleet/metrics.py's collectors."""
    user = getattr(request, "user", None)
    if not (user is not None and user.is_staff) and not _allowed_address(client_ip(request)):
        return JsonResponse(
            {"error": "forbidden", "detail": "/metrics is for staff or the addresses in LB_METRICS_ALLOW."}, status=403
        )
    return ExportToDjangoView(request)
