"""Sending stored archives back: one file as it was stored, or many as one zip written while it streams.

The zip is never whole anywhere: :func:`stream_zip` writes each member through :mod:`zipfile` into a
small buffer that is handed to the response chunk by chunk (a non-seekable sink: zipfile then writes
data descriptors after each member), so memory stays at one chunk and no temporary file holds the
whole. Members are copied from storage in chunks too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.http import FileResponse, StreamingHttpResponse

from core.errors import NotFound
from core.throttles import UserThrottle

CHUNK = 256 * 1024


class DownloadsPerHour(UserThrottle):
    """Downloads of archives, per user: one file or a zip of many counts once."""

    scope = "downloads_hour"
    rate_setting = "LB_RATE_DOWNLOADS_HOUR"


@dataclass(frozen=True)
class Member:
    name: str  # the name inside the zip: ours (ids, slugs), never a path the uploader chose
    stored_name: str  # the file in default_storage


class _Sink:
    """A write-only, non-seekable file for zipfile: what it writes waits here until taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile records member offsets through tell(); it never seeks
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def stream_zip(members: Iterable[Member]) -> Iterator[bytes]:
    """The zip of ``members``, as chunks, built while it is sent (stored, not recompressed:
    the archives are compressed already)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as bundle:
        for member in members:
            with default_storage.open(member.stored_name, "rb") as source:
                with bundle.open(member.name, mode="w", force_zip64=True) as target:
                    while chunk := source.read(CHUNK):
                        target.write(chunk)
                        yield sink.take()
            yield sink.take()
    yield sink.take()  # the central directory


def zip_response(members: Iterable[Member], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk for chunk in stream_zip(members) if chunk), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def file_response(stored_name: str, filename: str) -> FileResponse:
    """One stored file, byte for byte, as an attachment named by us (404 if storage lost it)."""
    if not default_storage.exists(stored_name):
        raise NotFound("The archive is no longer stored.", code="archive_gone")
    return FileResponse(
        default_storage.open(stored_name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/octet-stream",
    )
