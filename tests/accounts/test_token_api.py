"""/api/tokens and the tokens page: make (shown once), name, expire, see last use, revoke."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken
from tests.conftest import client_for


def _bearer(raw):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_make_list_and_revoke_through_the_api(as_alice, alice):
    made = as_alice.post("/api/tokens", {"name": "ci", "expires_in_days": 7}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert body["name"] == "ci" and body["token"].startswith("lb_") and body["active"]
    assert timedelta(days=6) < timezone.datetime.fromisoformat(body["expires_at"]) - timezone.now() <= timedelta(days=7)
    assert _bearer(body["token"]).get("/api/me").json()["username"] == "alice"
    listed = as_alice.get("/api/tokens").json()["results"]
    assert {t["name"] for t in listed} == {"ci", "tests"} and all("token" not in t for t in listed)
    assert next(t for t in listed if t["name"] == "ci")["last_used_at"] is not None
    revoked = as_alice.delete(f"/api/tokens/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and not revoked.json()["active"]
    refused = _bearer(body["token"]).get("/api/me")
    assert refused.status_code == 401 and refused.json()["error"] == "token_revoked"


def test_someone_elses_token_cannot_be_revoked(as_bob, alice):
    token = ApiToken.objects.get(user=alice)
    response = as_bob.delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expired_token_is_refused_as_invalid_token(as_alice, alice):
    raw = as_alice.post("/api/tokens", {"name": "short", "expires_in_days": 1}, format="json").json()["token"]
    ApiToken.objects.filter(name="short").update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _bearer(raw).get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token" and "expired" in response.json()["detail"]


def test_expiry_in_the_past_is_a_400(as_alice):
    response = as_alice.post("/api/tokens", {"name": "x", "expires_at": "2000-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "bad_expiry"


def test_tokens_page_shows_a_new_token_once_and_revokes(client, alice):
    client.force_login(alice)
    made = client.post("/tokens/", {"name": "laptop", "expires_in_days": "30"})
    assert made.status_code == 201
    raw = made.context["new_token"]
    assert raw.encode() in made.content and _bearer(raw).get("/api/me").status_code == 200
    page = client.get("/tokens/")
    assert b"laptop" in page.content and raw.encode() not in page.content
    token = ApiToken.objects.get(name="laptop")
    assert client.post(f"/tokens/{token.pk}/revoke").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_needs_sign_in(client, db):
    response = client.get("/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
