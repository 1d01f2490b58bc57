"""A bad bearer token answers 401 ``invalid_token`` (not ``not_authenticated``), whether it is
malformed, unknown or expired; no token at all is still ``not_authenticated``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import client_for


def _bearer(raw: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("raw", ["lb_wrong", "garbage", "lb_000000000000_" + "x" * 30])
def test_bad_token_is_invalid_token(db, raw):
    response = _bearer(raw).get("/api/jobs")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token" and "Invalid token" in response.json()["detail"]


def test_expired_token_is_invalid_token_and_says_expired(alice):
    from accounts.models import ApiToken

    ApiToken.objects.filter(user=alice).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = _bearer(alice.raw_token).get("/api/jobs").json()
    assert body["error"] == "invalid_token" and "expired" in body["detail"]


def test_no_token_is_still_not_authenticated(anonymous, db):
    assert anonymous.get("/api/jobs").json()["error"] == "not_authenticated"
