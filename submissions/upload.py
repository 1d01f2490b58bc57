"""Streaming upload handling.

Two things Django does not do for us:

* Refuse an oversized request while it streams (a 10 GB upload must not be
  written whole). The handlers count bytes across the whole request and stop
  with a 413 at the limit, before anything reaches storage.
* Keep the relative path that ``files`` uploads carry in their filename
  (``src/model.py``). Django strips directories from upload names; we keep
  them on ``relative_path`` and validate them ourselves (``archive.py``).
"""

from __future__ import annotations

import html

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

from core.errors import PayloadTooLarge


def _too_large() -> PayloadTooLarge:
    limit_mb = settings.LB_UPLOAD_MAX_BYTES / (1024 * 1024)
    return PayloadTooLarge(f"Upload exceeds the limit of {limit_mb:.0f} MiB.", code="upload_too_large")


class _ByteBudget:
    """Per-request byte counter shared by the handlers of one request."""

    @staticmethod
    def charge(request, nbytes: int) -> None:
        used = getattr(request, "_lb_upload_bytes", 0) + nbytes
        request._lb_upload_bytes = used
        if used > settings.LB_UPLOAD_MAX_BYTES:
            raise _too_large()


class _LimitMixin:
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Multipart overhead is small; a declared length far past the limit is refused at once.
        if content_length and content_length > settings.LB_UPLOAD_MAX_BYTES + 1024 * 1024:
            raise _too_large()
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        if self.request is not None:
            _ByteBudget.charge(self.request, len(raw_data))
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.relative_path = self.file_name
        return uploaded


class LimitedMemoryFileUploadHandler(_LimitMixin, MemoryFileUploadHandler):
    pass


class LimitedTemporaryFileUploadHandler(_LimitMixin, TemporaryFileUploadHandler):
    pass


class _PathPreservingParser(DjangoMultiPartParser):
    def sanitize_file_name(self, file_name):
        file_name = html.unescape(file_name)
        file_name = "".join(char for char in file_name if char.isprintable())
        return file_name or None


class SubmissionMultiPartParser(DRFMultiPartParser):
    """DRF multipart parser that keeps relative paths in upload filenames."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = _PathPreservingParser(meta, stream, request.upload_handlers, "utf-8")
            data, files = parser.parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from None
        return DataAndFiles(data, files)
