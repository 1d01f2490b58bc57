"""The shape of the platform's bearer tokens: ``<kind prefix><12-hex lookup prefix>_<secret>``.

User API tokens (``accounts``, ``lb_``) and worker tokens (``remote_workers``, ``lbw_``) share it:
the lookup prefix finds the row, and only a hash of the whole token is stored.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(kind_prefix: str) -> tuple[str, str]:
    """(raw token, its lookup prefix): 48 random bits of prefix, 256 of secret."""
    prefix = secrets.token_hex(6)
    return f"{kind_prefix}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_token(raw: str) -> str:
    # The secret is 256 random bits: a plain hash cannot be searched, no slow hash is needed.
    return hashlib.sha256(raw.encode()).hexdigest()


def split_token(raw: str, kind_prefix: str) -> str | None:
    """The lookup prefix of a well-formed token of this kind, or None."""
    if not raw.startswith(kind_prefix):
        return None
    prefix, sep, secret = raw[len(kind_prefix) :].partition("_")
    if not sep or len(prefix) != 12 or len(secret) < 20:
        return None
    return prefix
