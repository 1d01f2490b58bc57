"""Who may see a row: staff see all, others their own; a missing or foreign row is 404, never 403."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from core.errors import NotFound


def visible(queryset: QuerySet, user: AbstractBaseUser) -> QuerySet:
    return queryset if user.is_staff else queryset.filter(owner=user)


def get_visible(queryset: QuerySet, pk, what: str):
    """The row ``pk`` of an already ``visible()`` queryset; someone else's answers 404."""
    try:
        uuid.UUID(str(pk))
        return queryset.get(pk=pk)
    except (ValueError, ValidationError, queryset.model.DoesNotExist):
        raise NotFound(f"No {what} {pk} visible to you.") from None
