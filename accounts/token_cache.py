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

The database stays the truth: while the cache is down (a Redis restart) tokens are read
from it, and the API keeps answering. A revocation made during such an outage cannot
delete the entry; a Redis that comes back with its data (AOF) may serve it for the TTL.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import ApiToken

logger = logging.getLogger(__name__)
_last_warning = 0.0


def _cache_failed(operation: str, exc: Exception) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:  # one line a minute per process during an outage
        _last_warning = time.monotonic()
        logger.warning("token cache %s failed (%s: %s); reading tokens from the database",
                       operation, type(exc).__name__, exc)


def _key(prefix: str) -> str:
    return f"lb:token:{prefix}"


def token_by_prefix(prefix: str) -> ApiToken | None:
    """The token with ``prefix`` and its user (``token.user``), or None."""
    ttl = settings.LB_TOKEN_CACHE_S
    if ttl > 0:
        try:
            token = cache.get(_key(prefix))
        except Exception as exc:  # the cache is an optimisation; the database answers
            _cache_failed("read", exc)
            ttl, token = 0, None
        if token is not None:
            return token
    # [:1], not .first(): the prefix is unique, and .first() would add an ORDER BY to compile and run.
    token = next(iter(ApiToken.objects.select_related("user").filter(prefix=prefix)[:1]), None)
    if token is not None and ttl > 0:
        remember(token)
    return token


def remember(token: ApiToken) -> None:
    """Store ``token`` as it is now (after the authenticator wrote its last use)."""
    if settings.LB_TOKEN_CACHE_S > 0:
        try:
            cache.set(_key(token.prefix), token, timeout=settings.LB_TOKEN_CACHE_S)
        except Exception as exc:
            _cache_failed("write", exc)


def forget_token(prefix: str) -> None:
    try:
        cache.delete(_key(prefix))
    except Exception as exc:
        _cache_failed("delete", exc)


def forget_user_tokens(user_id: int) -> None:
    prefixes = list(ApiToken.objects.filter(user_id=user_id).values_list("prefix", flat=True))
    if prefixes:
        try:
            cache.delete_many([_key(prefix) for prefix in prefixes])
        except Exception as exc:
            _cache_failed("delete", exc)


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
