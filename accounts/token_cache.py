"""API tokens as the authenticator reads them: from the shared cache, falling back to the database.

Every API call authenticates, and a token row changes rarely, so its row (with its user)
is kept in the shared cache (Redis in production, the file cache embedded) for
``LB_TOKEN_CACHE_S``. Exactness comes from forgetting, not from the TTL: every write
path drops the entry in the cache every process reads, so a revocation, an expiry
change or a deactivated user is seen by the next request anywhere:

* model saves and deletes of tokens and users (admin, forms, allauth): signals below;
* the services' conditional updates (revoke, the OIDC staff sync): they call ``forget_*``.

A write that bypasses both (a raw ``QuerySet.update`` in a shell) is seen within the TTL.
Expiry and revocation are still checked on every request, against the cached row.

Forgetting is not enough on its own: a request that read the row just before a revocation
committed can put that row back into the cache just after the entry was deleted. So each
token has a *generation* in the cache, replaced by every forget, and an entry is trusted only
when it was filled under the generation that is current now. A reader takes the generation
before it reads the database; a forget replaces it at once and again after the transaction
commits (``transaction.on_commit``), so a fill that raced the write carries a stale generation
and is ignored: the next request reads the database.

The database stays the truth: while the cache is down (a Redis restart) tokens are read
from it, and the API keeps answering. A revocation made during such an outage cannot
delete the entry; a Redis that comes back with its data (AOF) may serve it for the TTL.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import ApiToken

logger = logging.getLogger(__name__)
_last_warning = 0.0


def _cache_failed(operation: str, exc: Exception) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:  # one line a minute per process during an outage
        _last_warning = time.monotonic()
        logger.warning(
            "token cache %s failed (%s: %s); reading tokens from the database", operation, type(exc).__name__, exc
        )


def _key(prefix: str) -> str:
    return f"lb:token:{prefix}"


def _generation_key(prefix: str) -> str:
    return f"lb:token-gen:{prefix}"


# A generation must outlive every entry filled under the one before it: a fill lands right
# after its read and lives LB_TOKEN_CACHE_S. A day leaves room for a stalled process too.
GENERATION_TTL_S = 86_400


def token_by_prefix(prefix: str) -> ApiToken | None:
    """The token with ``prefix`` and its user (``token.user``), or None."""
    ttl = settings.LB_TOKEN_CACHE_S
    generation = None
    if ttl > 0:
        try:
            # One round trip: the entry and the generation it must have been filled under.
            found = cache.get_many([_key(prefix), _generation_key(prefix)])
        except Exception as exc:  # the cache is an optimisation; the database answers
            _cache_failed("read", exc)
            ttl, found = 0, {}
        generation = found.get(_generation_key(prefix))
        entry = found.get(_key(prefix))
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
            token = entry[1]
            token.cache_generation = generation
            return token
    # [:1], not .first(): the prefix is unique, and .first() would add an ORDER BY to compile and run.
    token = next(iter(ApiToken.objects.select_related("user").filter(prefix=prefix)[:1]), None)
    if token is not None:
        token.cache_generation = generation  # read before the row: a forget after it makes this fill stale
        if ttl > 0:
            remember(token)
    return token


def remember(token: ApiToken) -> None:
    """Store ``token`` as it is now (after the authenticator wrote its last use), under the
    generation seen before its row was read (none known: stored under none, and a later
    forget makes it stale)."""
    if settings.LB_TOKEN_CACHE_S > 0:
        try:
            cache.set(
                _key(token.prefix), (getattr(token, "cache_generation", None), token), timeout=settings.LB_TOKEN_CACHE_S
            )
        except Exception as exc:
            _cache_failed("write", exc)


def _invalidate(prefixes: list[str]) -> None:
    try:
        cache.set_many({_generation_key(prefix): secrets.token_hex(8) for prefix in prefixes}, timeout=GENERATION_TTL_S)
        cache.delete_many([_key(prefix) for prefix in prefixes])
    except Exception as exc:
        _cache_failed("delete", exc)


def forget_tokens(prefixes: Iterable[str]) -> None:
    """Make every cached copy of these tokens stale: now, and again once the write commits."""
    prefixes = list(prefixes)
    if not prefixes:
        return
    _invalidate(prefixes)  # this connection's next read, and a copy cached before the write
    # A request that read the row before the commit may cache it after the call above;
    # the new generation after the commit makes that copy stale.
    transaction.on_commit(lambda: _invalidate(prefixes))


def forget_token(prefix: str) -> None:
    forget_tokens([prefix])


def forget_user_tokens(user_id: int) -> None:
    forget_tokens(ApiToken.objects.filter(user_id=user_id).values_list("prefix", flat=True))


def _token_changed(sender, instance: ApiToken, **kwargs) -> None:
    forget_token(instance.prefix)


def _user_changed(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        forget_user_tokens(instance.pk)


def connect_signals() -> None:
    """Called by ``AccountsConfig.ready``."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save, pre_delete

    post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="lb-token-cache-save")
    post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="lb-token-cache-delete")
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="lb-token-cache-user-save")
    # Before the delete: afterwards the user's tokens (and so their prefixes) are gone.
    pre_delete.connect(_user_changed, sender=user, dispatch_uid="lb-token-cache-user-delete")
