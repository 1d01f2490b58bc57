"""Writes for users and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiToken

TOKEN_PREFIX = "lb_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def split_token(raw: str) -> str | None:
    """The lookup prefix of a well-formed token, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(TOKEN_PREFIX):].partition("_")
    if not sep or len(prefix) != 12 or len(secret) < 20:
        return None
    return prefix


def user_get_or_create(*, username: str) -> AbstractBaseUser:
    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


def token_issue(*, user: AbstractBaseUser, name: str = "default") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored."""
    for _ in range(5):
        prefix = secrets.token_hex(6)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=hash_token(raw))
            return token, raw
        except IntegrityError:  # prefix collision: astronomically rare, try again
            continue
    raise RuntimeError("could not allocate a unique token prefix")


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
