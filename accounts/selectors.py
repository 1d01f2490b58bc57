"""Reads about accounts shared by the API and pages."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import ApiToken


def tokens_of(*, user: AbstractBaseUser) -> QuerySet:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
