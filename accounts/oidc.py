"""OIDC bearer-token verification with PyJWT.

The issuer's JWKS is fetched once and cached by :class:`jwt.PyJWKClient`,
which fetches again when a token names a key id it has not seen (key
rotation). Algorithms are fixed by settings; ``none`` is never accepted.
"""

from __future__ import annotations

import functools

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


@functools.lru_cache(maxsize=4)
def _jwks_client(jwks_url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)


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
        key = _jwks_client(_jwks_url()).get_signing_key_from_jwt(token)
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
    from accounts.services import oidc_user_for_claims

    claims = verify(token)
    try:
        user = oidc_user_for_claims(claims=claims)
    except PermissionError as exc:
        raise InvalidJWT(str(exc)) from None
    if not user.is_active:
        raise InvalidJWT("user inactive")
    return user
