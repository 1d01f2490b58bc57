"""gunicorn's request body, read in the blocks the application asks for.

gunicorn's ``Body.read(n)`` pulls ``n`` bytes through its reader 1 KiB at a time, and
each KiB goes through two ``BytesIO`` copies of the 8 KiB socket chunk it came in
(benoitc/gunicorn#2596, open; the ``buf_read_size`` pull requests #3068 and #3586 are
unmerged). For a 1 MiB upload that was about 5 ms of a worker's CPU, more than parsing
and hashing the archive (docs/performance.md). The ``LengthReader`` beneath it honours
the size it is asked for, so reads of a ``Content-Length`` body go to it directly.
Anything else (chunked bodies, ``readline``, a body already partly buffered by
``Body``) keeps gunicorn's own path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

try:
    from gunicorn.http.body import Body, LengthReader
except ImportError:  # not served by gunicorn (tests, manage.py runserver): nothing to adapt
    Body = LengthReader = None


SOCKET_READ_BYTES = 64 * 1024


class BlockReadBody:
    """A ``wsgi.input`` whose ``read(n)`` reads ``n`` bytes from gunicorn's ``LengthReader`` at once."""

    def __init__(self, body):
        self._body = body
        # The reader pulls the socket 8 KiB per recv(); a block takes one recv where the data is there.
        unreader = getattr(body.reader, "unreader", None)
        if getattr(unreader, "mxchunk", 0) and unreader.mxchunk < SOCKET_READ_BYTES:
            unreader.mxchunk = SOCKET_READ_BYTES

    def read(self, size: int | None = None) -> bytes:
        body = self._body
        if size is None or size < 0 or body.buf.tell():
            return body.read(size)
        return body.reader.read(size) if size else b""

    def __getattr__(self, name):  # readline, readlines, __iter__ and the rest: gunicorn's Body
        return getattr(self._body, name)

    def __iter__(self):
        return iter(self._body)


def block_reads(app: Callable) -> Callable:
    """WSGI middleware: give the application a :class:`BlockReadBody` for gunicorn's length-delimited bodies."""
    if Body is None:
        return app

    def wrapped(environ: dict, start_response) -> Iterable[bytes]:
        body = environ.get("wsgi.input")
        if type(body) is Body and type(body.reader) is LengthReader:
            environ["wsgi.input"] = BlockReadBody(body)
        return app(environ, start_response)

    return wrapped
