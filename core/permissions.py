"""Permission classes shared by the apps' APIs."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadOnly(BasePermission):
    """Anyone may read; only staff may write (anonymous writers get 401, others 403)."""

    open_for_reads = True  # the schema (config.schema) shows reads as needing no credentials

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
