"""DRF authentication: platform API tokens and OIDC bearer JWTs."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import oidc, token_cache
from accounts.models import ApiToken
from accounts.services import hash_token, split_token

# Writing last_used_at on every request would put a write on the hot path;
# once a minute is precise enough for "last used".
LAST_USED_RESOLUTION = timedelta(seconds=60)
INVALID_TOKEN = "invalid_token"
INVALID_DETAIL = "Invalid token: no such API token (check LB_TOKEN, or make a new one at /tokens/)."


def _bearer(request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    credentials = credentials.strip()
    if not credentials or " " in credentials:
        raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
    return credentials


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer lb_…`` tokens issued by the platform."""

    def authenticate(self, request):
        raw = _bearer(request)
        if raw is None:
            return None
        prefix = split_token(raw)
        if prefix is None:
            if oidc.enabled():
                return None  # not ours: maybe an OIDC JWT
            # No other bearer scheme is on: say the token is bad, rather than let the request fall
            # through to "credentials were not provided" (which sends people looking for a typo in -H).
            raise exceptions.AuthenticationFailed(INVALID_DETAIL, code=INVALID_TOKEN)
        token = token_cache.token_by_prefix(prefix)
        if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
            raise exceptions.AuthenticationFailed(INVALID_DETAIL, code=INVALID_TOKEN)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Token revoked.", code="token_revoked")
        if token.is_expired:
            # RFC 6750 calls an expired token invalid_token too; the detail says which it is.
            raise exceptions.AuthenticationFailed(
                f"Token {token.prefix} expired at {token.expires_at:%Y-%m-%d %H:%M} UTC; make a new one at /tokens/.",
                code=INVALID_TOKEN,
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            token_cache.remember(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class OIDCAuthentication(authentication.BaseAuthentication):
    """Bearer JWTs from the configured OIDC issuer (off unless OIDC_ISSUER is set)."""

    def authenticate(self, request):
        if not oidc.enabled():
            return None
        raw = _bearer(request)
        if raw is None or split_token(raw) is not None:
            return None
        try:
            return oidc.user_and_jwt(raw)  # request.auth: the verified JWT (its expiry bounds tokens made with it)
        except oidc.InvalidJWT as exc:
            raise exceptions.AuthenticationFailed(f"Invalid OIDC token: {exc}", code=INVALID_TOKEN) from None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
