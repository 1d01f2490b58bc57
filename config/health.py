"""Reachability of what the platform depends on, for GET /health."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # a health check reports, it never raises
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _queue() -> str:
    from huey.contrib.djhuey import HUEY

    return f"{type(HUEY).__name__}, {HUEY.pending_count()} waiting"


def _tracking() -> str:
    import requests

    uri = settings.MLFLOW_TRACKING_URI
    if not uri.startswith("http"):
        return uri
    response = requests.get(uri.rstrip("/") + "/health", timeout=2)
    response.raise_for_status()
    return uri


def run_checks() -> dict[str, dict]:
    return {"database": _timed(_database), "queue": _timed(_queue), "tracking": _timed(_tracking)}
