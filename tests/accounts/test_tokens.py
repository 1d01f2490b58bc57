"""API tokens: hashed at rest, shown once, named, revocable, last-used."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from accounts.models import ApiToken
from accounts.services import hash_token, token_revoke
from tests.conftest import client_for


def test_issue_token_command_creates_user_and_prints_token_last(db):
    out = StringIO()
    call_command("issue_token", "carol", "--name", "laptop", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user__username="carol")
    assert token.name == "laptop"
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/me").json()["username"] == "carol"


def test_last_used_is_recorded(alice):
    token = ApiToken.objects.get(user=alice)
    assert token.last_used_at is None
    client_for(alice).get("/api/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused(alice):
    token_revoke(token=ApiToken.objects.get(user=alice))
    response = client_for(alice).get("/api/me")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_tampered_token_is_refused(alice):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {alice.raw_token[:-1]}x")
    assert client.get("/api/me").status_code == 401


def test_malformed_header_is_401(db):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert client.get("/api/me").status_code == 401


def test_session_login_works_for_browsable_api(client, alice):
    client.force_login(alice)
    response = client.get("/api/me", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"alice" in response.content


def test_session_writes_need_csrf(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/api/jobs", {"submission": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
