"""Streaming upload handling: Django's multipart parser, with upload handlers for our limits.

Three things Django does not do for us:

* Refuse an oversized request while it streams (a 10 GB upload must not be
  written whole). The handlers count each file's bytes across the whole request
  and stop the parse at the limit (``StopUpload``), before anything reaches
  storage; the refusal is kept on the request as ``upload_refused`` and answered
  with a 413 (the API's parser below, the HTML submit view).
* Keep the relative path that ``files`` uploads carry in their filename
  (``src/model.py``). Django strips directories from upload names; we keep
  them on ``relative_path`` and validate them ourselves (``archive.py``).
* Answer the parser's own refusals (too many files or fields, fields too large,
  a malformed body) as the API's usual ``{error, detail}`` 400s with a code.

Everything else is Django's ``MultiPartParser``, reached through the documented
upload-handler protocol: ``FILE_UPLOAD_HANDLERS`` starts with :class:`KeepPathsHandler`,
whose ``handle_raw_input`` runs the parser with the remaining handlers. The browser form
(parsed by ``CsrfViewMiddleware`` reading ``request.POST``) and the API (DRF) both go
through it. The one deviation, overriding ``MultiPartParser.sanitize_file_name``, is in the
ledger of docs/performance.md.
"""

from __future__ import annotations

import html

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

from core.errors import DomainError, InvalidInput, PayloadTooLarge

# Refusals the parse stopped at, kept on the request: request.upload_refused
REFUSED = "upload_refused"


def _too_large() -> PayloadTooLarge:
    limit_mb = settings.LB_UPLOAD_MAX_BYTES / (1024 * 1024)
    return PayloadTooLarge(f"Upload exceeds the limit of {limit_mb:.0f} MiB.", code="upload_too_large")


def upload_refusal(request) -> DomainError | None:
    """The limit a parse of ``request``'s body stopped at, if any."""
    return getattr(request, REFUSED, None)


def _refuse(request) -> None:
    """Record the refusal and stop the parse without reading the rest of the body."""
    setattr(request, REFUSED, _too_large())
    raise StopUpload(connection_reset=True)


class _PathKeepingParser(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str | None:
        # Django's drops the folders; archive.normalise_path validates them instead.
        file_name = "".join(char for char in html.unescape(file_name) if char.isprintable())
        return None if file_name in {"", ".", ".."} else file_name


class KeepPathsHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: parses the body with Django's parser (keeping the
    folders in file names) and the handlers after it, through the documented
    ``handle_raw_input`` protocol. A declared length far past the limit is refused unread."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.LB_UPLOAD_MAX_BYTES + 1024 * 1024:
            setattr(self.request, REFUSED, _too_large())
            return QueryDict(), MultiValueDict()
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        return _PathKeepingParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):  # never reached: the parse above feeds the others
        return raw_data

    def file_complete(self, file_size):
        return None


class _ByteBudget:
    """The bytes of files one request has sent so far, shared by its handlers.

    Every handler in the chain is shown the same bytes of a file (the memory handler
    passes them on once a file is too big for memory), so the budget follows how far
    each file has got, not how many chunks the handlers were shown."""

    @staticmethod
    def next_file(request) -> None:
        request.upload_bytes_done = getattr(request, "upload_bytes_done", 0) + getattr(request, "upload_bytes_file", 0)
        request.upload_bytes_file = 0

    @staticmethod
    def reach(request, file_offset: int) -> None:
        """The current file has reached ``file_offset`` bytes: refuse past the limit."""
        request.upload_bytes_file = max(getattr(request, "upload_bytes_file", 0), file_offset)
        if getattr(request, "upload_bytes_done", 0) + request.upload_bytes_file > settings.LB_UPLOAD_MAX_BYTES:
            _refuse(request)


class _LimitMixin:
    def new_file(self, *args, **kwargs):
        if self.request is not None:
            _ByteBudget.next_file(self.request)
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if self.request is not None:
            _ByteBudget.reach(self.request, start + len(raw_data))
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


class SubmissionMultiPartParser(DRFMultiPartParser):
    """DRF's multipart parser, answering the upload's refusals with the API's error codes."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except TooManyFilesSent:
            raise InvalidInput(
                f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.", code="too_many_files"
            ) from None
        except TooManyFieldsSent:
            raise InvalidInput(
                f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields.", code="too_many_fields"
            ) from None
        except RequestDataTooBig:
            raise InvalidInput(
                f"The form's fields exceed {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.", code="fields_too_large"
            ) from None
        refused = upload_refusal(request)
        if refused is not None:
            for _, uploads in parsed.files.lists():
                for upload in uploads:
                    upload.close()
            raise refused
        return parsed
