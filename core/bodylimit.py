"""Request bodies over the limit are refused before the application reads them.

The proxy in front (``scripts/serve.sh``: nginx ``client_max_body_size``) is
the first line; these wrappers make every application server that ships
refuse the same bodies on its own, so nothing depends on the proxy being there:

* a declared ``Content-Length`` over the cap is answered 413 at once, unread;
* a chunked body is counted while it streams and cut the moment it passes
  the cap (WSGI: Django reads no chunked body at all, so an accepted one is
  handed on as a spooled, length-declared body; ASGI: counted per message).

The answer is the API's usual JSON ``{"error", "detail"}`` with
``Connection: close``, so the rest of the body is never read.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable

from django.conf import settings

# Room for the multipart framing and form fields around the largest file.
FORM_OVERHEAD_BYTES = 64 * 1024
_READ_SIZE = 64 * 1024


def request_body_cap() -> int:
    """The most bytes any request body may carry: LB_UPLOAD_MAX_BYTES plus the form around it.

    It caps every body, model uploads (LB_MODEL_MAX_BYTES, checked in the app) included.
    """
    return settings.LB_UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


def too_large_body(cap: int) -> bytes:
    detail = f"Request body exceeds the limit of {cap} bytes ({settings.LB_UPLOAD_MAX_BYTES / 2**20:.0f} MiB upload)."
    return json.dumps({"error": "upload_too_large", "detail": detail}).encode()


def _bad_length_body() -> bytes:
    return json.dumps({"error": "invalid", "detail": "Content-Length is not a non-negative integer."}).encode()


class WSGIBodyLimit:
    """WSGI middleware around Django's application."""

    def __init__(self, app: Callable, cap: int | None = None):
        self.app = app
        self.cap = cap

    def _refuse(self, start_response, status: str, body: bytes) -> Iterable[bytes]:
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")]
        )
        return [body]

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        cap = self.cap if self.cap is not None else request_body_cap()
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return self._refuse(start_response, "400 Bad Request", _bad_length_body())
            if length > cap:
                return self._refuse(start_response, "413 Request Entity Too Large", too_large_body(cap))
            return self.app(environ, start_response)
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            spooled = self._spool_chunked(environ["wsgi.input"], cap)
            if spooled is None:
                return self._refuse(start_response, "413 Request Entity Too Large", too_large_body(cap))
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = spooled, str(spooled.tell())
            spooled.seek(0)
        return self.app(environ, start_response)

    @staticmethod
    def _spool_chunked(stream, cap: int):
        """Read a chunked body (the server de-chunks it) counting bytes; None past the cap."""
        spooled = tempfile.SpooledTemporaryFile(
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        total = 0
        while block := stream.read(_READ_SIZE):
            total += len(block)
            if total > cap:
                spooled.close()  # deletes the temporary file, if it came to one
                return None
            spooled.write(block)
        return spooled


class ASGIBodyLimit:
    """ASGI middleware for the ``http`` scope: the same limit on the ASGI path."""

    def __init__(self, app, cap: int | None = None):
        self.app = app
        self.cap = cap

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = self.cap if self.cap is not None else request_body_cap()
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return await self._refuse(send, 400, _bad_length_body())
            if length > cap:
                return await self._refuse(send, 413, too_large_body(cap))
        received = 0
        refused = False

        async def counted_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    refused = True
                    await self._refuse(send, 413, too_large_body(cap))
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        return await self.app(scope, counted_receive, guarded_send)

    @staticmethod
    async def _refuse(send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
