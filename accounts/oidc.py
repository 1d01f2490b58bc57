"""OIDC bearer-token verification with PyJWT.

The issuer's JWKS is fetched once and cached by :class:`jwt.PyJWKClient`,
which fetches again when a token names a key id it has not seen (key
rotation). Anyone can name an unknown key id, so that refresh happens at most
once per ``OIDC_JWKS_MIN_REFRESH_S`` (per process): in between, an unknown
key id is refused without a fetch. Algorithms are fixed by settings; ``none``
is never accepted.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser


class InvalidJWT(Exception):
    pass


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_AUDIENCE)


def _allowed_algorithms() -> list[str]:
    return [alg for alg in settings.OIDC_ALGORITHMS if alg.lower() != "none" and not alg.upper().startswith("HS")]


@dataclass(frozen=True)
class VerifiedJWT:
    """``request.auth`` of a request signed in with an OIDC bearer JWT."""

    claims: dict
    expires_at: datetime


class ThrottledJWKClient(jwt.PyJWKClient):
    """A PyJWKClient that fetches the key set at most once per ``min_refresh_s``.

    The set is fetched when its cache lifespan ends and when a token names a key id not
    in it; a stranger can send a fresh key id with every request, so a fetch sooner than
    ``min_refresh_s`` after the last one (made or failed) is refused instead.
    """

    def __init__(self, uri: str, *, min_refresh_s: float, **kwargs) -> None:
        self.min_refresh_s = min_refresh_s
        self.fetches = 0
        self._last_fetch = -math.inf
        self._fetch_lock = threading.Lock()
        super().__init__(uri, **kwargs)

    def fetch_data(self):
        with self._fetch_lock:
            now = time.monotonic()
            if now - self._last_fetch < self.min_refresh_s:
                raise jwt.PyJWKClientError(
                    f"unknown key id; the issuer's key set was fetched {now - self._last_fetch:.0f} s ago"
                )
            self._last_fetch = now
            self.fetches += 1
        return super().fetch_data()


@functools.lru_cache(maxsize=4)
def _jwks_client(jwks_url: str, min_refresh_s: float = 60.0) -> ThrottledJWKClient:
    return ThrottledJWKClient(jwks_url, min_refresh_s=min_refresh_s, cache_keys=True, lifespan=3600, timeout=5)


def jwks_client() -> ThrottledJWKClient:
    return _jwks_client(_jwks_url(), float(settings.OIDC_JWKS_MIN_REFRESH_S))


def _jwks_url() -> str:
    if settings.OIDC_JWKS_URL:
        return settings.OIDC_JWKS_URL
    discovery = settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    return _discover(discovery)


@functools.lru_cache(maxsize=4)
def _discover(url: str) -> str:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.json()["jwks_uri"]


def verify(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidJWT(str(exc)) from None
    algorithms = _allowed_algorithms()
    if header.get("alg") not in algorithms:
        raise InvalidJWT(f"algorithm {header.get('alg')!r} not allowed")
    try:
        key = jwks_client().get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=algorithms,
            audience=settings.OIDC_AUDIENCE,
            issuer=settings.OIDC_ISSUER,
            options={"require": ["exp", "iss", "aud", "sub"]},
            leeway=30,
        )
    except (jwt.PyJWTError, requests.RequestException) as exc:
        raise InvalidJWT(str(exc)) from None


def user_from_jwt(token: str) -> AbstractBaseUser:
    """The user linked to the token's (issuer, sub): the same link the browser sign-in uses."""
    return user_and_jwt(token)[0]


def user_and_jwt(token: str) -> tuple[AbstractBaseUser, VerifiedJWT]:
    """The linked user and the verified token (its claims and when it expires)."""
    from accounts.services import oidc_user_for_claims

    claims = verify(token)
    try:
        user = oidc_user_for_claims(claims=claims)
    except PermissionError as exc:
        raise InvalidJWT(str(exc)) from None
    if not user.is_active:
        raise InvalidJWT("user inactive")
    return user, VerifiedJWT(claims=claims, expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC))
