"""Context carried into every log line: the request id of the HTTP request (or
WebSocket session) being served, the job id of the job a worker runs.

``contextvars`` follow a request through sync and async code (and into threads
started with ``contextvars.copy_context``); the filter below stamps them on every
record, and the JSON formatter writes one object per line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
_VARS = {"request_id": request_id, "job_id": job_id}

# The fields every line has, in this order (extras follow).
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s"


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Within the block, log lines carry ``values`` (``request_id``, ``job_id``)."""
    tokens = [(_VARS[name], _VARS[name].set(None if value is None else str(value))) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``job_id`` to a record unless the call passed its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        request = getattr(record, "request", None)
        if record.request_id is None and request is not None:
            # Django logs a 4xx/5xx response after the middleware has returned;
            # the request it passes along still knows its id.
            record.request_id = getattr(request, "request_id", None)
        if request is not None:
            record.request = f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip()
        return True


def json_formatter() -> JsonFormatter:
    """The formatter of every handler (``LOGGING`` in settings uses the same arguments)."""
    return JsonFormatter(LINE_FORMAT, rename_fields={"levelname": "level", "asctime": "time"})
