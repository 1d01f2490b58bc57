"""API tokens are read from the shared cache, and every write path forgets them at once:
a revoked token, a deactivated or demoted user, a deleted token is seen by the next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from tests.conftest import client_for


def _me(client) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/me")
    return response.status_code, response.json(), [q["sql"] for q in captured.captured_queries]


def _token_reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.upper().startswith("SELECT") and "accounts_apitoken" in sql]


def test_a_known_token_is_not_read_from_the_database_again(alice):
    client = client_for(alice)
    status, _, first = _me(client)
    assert status == 200 and len(_token_reads(first)) == 1
    status, body, again = _me(client)
    assert status == 200 and body["username"] == "alice"
    assert _token_reads(again) == [], "\n".join(again)


def test_revoking_is_seen_by_the_next_request(alice):
    client = client_for(alice)
    assert _me(client)[0] == 200  # cached now
    token = ApiToken.objects.get(user=alice)
    assert client_for(alice).delete(f"/api/tokens/{token.pk}").status_code == 200
    status, body, _ = _me(client)
    assert status == 401 and body["error"] == "token_revoked"


def test_a_deactivated_user_is_refused_at_once(alice):
    client = client_for(alice)
    assert _me(client)[0] == 200
    alice.is_active = False
    alice.save()
    status, body, _ = _me(client)
    assert status == 401 and "inactive" in body["detail"].lower()


def test_a_demoted_user_loses_staff_at_once(staff):
    client = client_for(staff)
    assert _me(client)[1]["is_staff"] is True
    staff.is_staff = False
    staff.save(update_fields=["is_staff"])
    assert _me(client)[1]["is_staff"] is False


def test_a_deleted_token_is_refused_at_once(alice):
    client = client_for(alice)
    assert _me(client)[0] == 200
    ApiToken.objects.get(user=alice).delete()
    status, body, _ = _me(client)
    assert status == 401 and body["error"] == "invalid_token" and body["detail"].startswith("Invalid token")


@pytest.mark.parametrize("ttl", [0])
def test_with_the_cache_off_every_request_reads_the_token(alice, settings, ttl):
    settings.LB_TOKEN_CACHE_S = ttl
    client = client_for(alice)
    _me(client)
    assert len(_token_reads(_me(client)[2])) == 1


def test_with_the_cache_down_tokens_come_from_the_database(alice, settings):
    from tests.conftest import free_port

    # A Redis nobody listens on: every cache call fails, as during a Redis restart.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",  # the backend config/settings.py runs on Redis
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    client = client_for(alice)
    with CaptureQueriesContext(connection) as captured:
        listed = client.get("/api/jobs")
    assert listed.status_code == 200, listed.content
    assert len(_token_reads([q["sql"] for q in captured.captured_queries])) == 1

    token = ApiToken.objects.get(user=alice)
    assert client.delete(f"/api/tokens/{token.pk}").status_code == 200
    refused = client.get("/api/jobs")
    assert refused.status_code == 401 and refused.json()["error"] == "token_revoked"
