"""Domain errors and the one place that turns errors into JSON responses.

Every API error body is ``{"error": CODE, "detail": TEXT}``: ``error`` is a
stable machine-readable code, ``detail`` says what and why for a person.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """Base of the platform's own errors; subclasses set code and status."""

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        headers=None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}  # machine-readable context next to error and detail (e.g. starts_at)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.headers = headers or {}


class InvalidInput(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


class LimitExceeded(DomainError):
    code = "limit_exceeded"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class PayloadTooLarge(DomainError):
    code = "too_large"
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "invalid",
}


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            {**exc.extra, "error": exc.code, "detail": exc.detail}, status=exc.status_code, headers=exc.headers
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler logs it
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    specific = getattr(exc.detail, "code", None)
    if isinstance(exc, exceptions.AuthenticationFailed) and specific not in (None, exc.default_code):
        code = specific  # e.g. token_expired: a client can tell "make a new token" from "wrong token"
    body = {"error": code, "detail": _flatten(exc.detail)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = exc.detail
    response.data = body
    return response
