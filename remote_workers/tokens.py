"""The worker token's shape: ``lbw_<12-char lookup prefix>_<secret>`` (user tokens start ``lb_``)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "lbw_"


def new_token() -> tuple[str, str]:
    """(raw token, its lookup prefix)."""
    prefix = secrets.token_hex(6)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_token(raw: str) -> str:
    # The secret is 256 random bits: a plain hash cannot be searched, no slow hash is needed.
    return hashlib.sha256(raw.encode()).hexdigest()


def split_token(raw: str) -> str | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12 or len(secret) < 20:
        return None
    return prefix
