"""Liveness and readiness, for GET /health/live, /health/ready (and /health, its alias).

Liveness: the process answers (no dependency is touched, so an orchestrator
never restarts a healthy web tier because something else is down).
Readiness: the database and the queue answer; MLflow is reported but not
fatal, since the board, uploads and jobs work without it (runs are recorded
later, see docs/reliability.md).
"""

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


FATAL = ("database", "queue")


def run_checks() -> dict[str, dict]:
    return {"database": _timed(_database), "queue": _timed(_queue), "tracking": _timed(_tracking)}


def readiness() -> tuple[bool, str, dict[str, dict]]:
    """(ready, status word, every check): ready when every fatal dependency answers."""
    checks = run_checks()
    for name, check in checks.items():
        check["fatal"] = name in FATAL
    ready = all(checks[name]["ok"] for name in FATAL)
    status = "ok" if all(check["ok"] for check in checks.values()) else ("degraded" if ready else "unavailable")
    return ready, status, checks
