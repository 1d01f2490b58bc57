"""Access logs: one JSON line per HTTP request and per WebSocket session, and the
request id that every line the request causes carries (``core.logcontext``)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from core import logcontext

log = logging.getLogger("access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Process-wide counters (each web process reports its own).
STATE = {"ws_connections": 0, "http_errors": 0, "ws_errors": 0}


def request_id_from(value: str | None) -> str:
    """Keep a caller's X-Request-ID when it looks sane (so traces join up), else make one."""
    return value if value and _REQUEST_ID.match(value) else uuid.uuid4().hex


def emit(event: str, **fields) -> None:
    """One access line; the JSON formatter writes ``fields`` as top-level keys."""
    log.info(event, extra={"event": event, **fields, "ws_connections": STATE["ws_connections"]})


class RequestLogMiddleware:
    """Adds ``request.request_id`` and an ``X-Request-ID`` response header, and logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_from(request.headers.get("X-Request-ID"))
        with logcontext.bound(request_id=request.request_id):
            response = self.get_response(request)
        if response.status_code >= 500:
            STATE["http_errors"] += 1
        response["X-Request-ID"] = request.request_id
        user = getattr(request, "user", None)
        emit(
            "http_request",
            request_id=request.request_id,
            client_ip=getattr(request, "client_ip", None),
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user_id=getattr(user, "pk", None),
            model_id=getattr(request, "agents_model_id", None),
            http_errors=STATE["http_errors"],
        )
        return response


class SocketSession:
    """Bookkeeping for one socket: counts it in ``ws_connections`` and logs it on close."""

    def __init__(self, scope: dict):
        headers = dict(scope.get("headers") or [])
        self.request_id = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        self.path = scope.get("path", "")
        self.started = time.perf_counter()
        self.frames = 0
        self.errors = 0
        self.model_id: int | None = None
        self.open = False
        self.logged = False

    def opened(self) -> None:
        self.open = True
        STATE["ws_connections"] += 1

    def error(self) -> None:
        self.errors += 1
        STATE["ws_errors"] += 1

    def closed(self, code) -> None:
        """Idempotent: the server closing a socket and the disconnect event both land here."""
        if self.logged:
            return
        self.logged = True
        if self.open:
            STATE["ws_connections"] -= 1
            self.open = False
        emit(
            "ws_session",
            request_id=self.request_id,
            path=self.path,
            close_code=code,
            frames=self.frames,
            errors=self.errors,
            model_id=self.model_id,
            duration_ms=round((time.perf_counter() - self.started) * 1000, 2),
            ws_errors=STATE["ws_errors"],
        )
