"""OpenAPI generation: every operation also documents the error responses
that ``core.errors.api_exception_handler`` can produce."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable machine-readable code.")
    detail = serializers.CharField(help_text="What went wrong and why, for a person.")
    fields = serializers.DictField(required=False, help_text="Per-field messages for validation errors.")


# Statuses any API operation may answer with the error body.
ERROR_STATUSES = {
    "400": "Invalid input",
    "401": "Missing or invalid credentials",
    "403": "Not allowed (e.g. CSRF on a session write, staff only)",
    "404": "Not found, or not yours",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict with the current state",
    "413": "Upload too large",
    "414": "Request line too long (the web tier's limit; e.g. a huge query string)",
    "415": "Unsupported media type",
    "429": "Rate or concurrency limit reached (see Retry-After)",
}


class PlatformAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/"):
            return responses
        for status, description in ERROR_STATUSES.items():
            if status not in responses:
                body = self._get_response_for_code(ErrorSerializer, status, direction=direction)
                body["description"] = description
                # Errors are JSON whatever the operation renders otherwise (the board's CSV).
                body["content"] = {
                    media: value for media, value in body.get("content", {}).items() if media == "application/json"
                } or body.get("content", {})
                responses[status] = body
        return responses

    def get_auth(self):
        auths = super().get_auth()
        from rest_framework.permissions import SAFE_METHODS

        readable = any(getattr(p, "open_for_reads", False) for p in self.view.get_permissions())
        if readable and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})  # anyone may read (e.g. IsStaffOrReadOnly)
        return auths
