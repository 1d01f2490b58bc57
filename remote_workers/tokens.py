"""The worker token's shape: ``lbw_<12-char lookup prefix>_<secret>`` (user tokens start ``lb_``)."""

from __future__ import annotations

from core import bearer_tokens
from core.bearer_tokens import hash_token  # noqa: F401  (callers read it here)

TOKEN_PREFIX = "lbw_"


def new_token() -> tuple[str, str]:
    """(raw token, its lookup prefix)."""
    return bearer_tokens.new_token(TOKEN_PREFIX)


def split_token(raw: str) -> str | None:
    return bearer_tokens.split_token(raw, TOKEN_PREFIX)
