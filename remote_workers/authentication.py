"""Worker tokens, a credential of their own: the worker API authenticates with
:class:`WorkerTokenAuthentication` only, and the user API's classes (accounts/authentication.py)
do not know these tokens, so neither credential opens the other's endpoints."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from remote_workers.models import WorkerToken
from remote_workers.tokens import hash_token, split_token

LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass
class RemoteWorker:
    """``request.user`` on the worker API: a token, never a user (no is_staff, no owner)."""

    token: WorkerToken
    is_authenticated: bool = True
    is_staff: bool = False
    is_active: bool = True
    pk = None

    @property
    def pools(self) -> list[str]:
        return list(self.token.pools)

    def __str__(self) -> str:
        return f"worker token {self.token.prefix}"


class WorkerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer lbw_…``; any other credential is not ours (the request stays anonymous)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            return None
        prefix = split_token(raw)
        if prefix is None:
            return None
        token = WorkerToken.objects.filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
            raise exceptions.AuthenticationFailed("Invalid worker token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Worker token revoked.", code="token_revoked")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            WorkerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return RemoteWorker(token=token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="worker"'


class IsRemoteWorker(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, RemoteWorker)
