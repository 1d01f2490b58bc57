"""A revoked token is refused by the next request even when a request that read it before the
revocation puts it back into the token cache afterwards (accounts/token_cache.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from accounts import token_cache
from accounts.models import ApiToken
from accounts.services import token_revoke
from tests.conftest import client_for


def _status(user) -> int:
    return client_for(user).get("/api/me").status_code


def test_a_cache_fill_that_lands_after_the_revoke_is_not_trusted(alice):
    token = ApiToken.objects.get(user=alice)
    # A request reads the row (not yet revoked) ...
    stale = token_cache.token_by_prefix(token.prefix)
    assert stale.revoked_at is None
    # ... the owner revokes it, which forgets the cached copy ...
    token_revoke(token=token)
    assert _status(alice) == 401
    # ... and then the first request stores what it read, as the authenticator does.
    token_cache.remember(stale)
    response = client_for(alice).get("/api/me")
    assert response.status_code == 401 and response.json()["error"] == "token_revoked"


@pytest.mark.django_db(transaction=True)
def test_a_reader_racing_the_revoke_transaction_cannot_refill_the_cache(alice):
    token = ApiToken.objects.get(user=alice)
    assert _status(alice) == 200  # cached

    seen = []

    def concurrent_request():
        # Another connection, while the revoke is not committed: it reads the old row.
        try:
            seen.append(token_cache.token_by_prefix(token.prefix))
        finally:
            connection.close()

    with transaction.atomic():
        token_revoke(token=token)
        reader = threading.Thread(target=concurrent_request)
        reader.start()
        reader.join(30)
    assert seen and seen[0].revoked_at is None
    # That request stores what it read after the revoke committed (its last-use write does).
    token_cache.remember(seen[0])
    cached = token_cache.cache.get(token_cache._key(token.prefix))
    assert cached is not None and cached[1].revoked_at is None  # the stale row is in the cache ...
    response = client_for(alice).get("/api/me")
    assert response.status_code == 401 and response.json()["error"] == "token_revoked"  # ... and not believed
