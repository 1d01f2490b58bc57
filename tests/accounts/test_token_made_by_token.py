"""A token made with a token (or an OIDC JWT) cannot outlive it; a session makes what it asks for."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiToken
from accounts.services import token_issue
from tests.conftest import client_for


def _with_token(user, *, days: int | None):
    expires = timezone.now() + timedelta(days=days) if days is not None else None
    token, raw = token_issue(user=user, name="parent", expires_at=expires)
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return token, client


def test_a_child_never_outlives_an_expiring_parent(alice):
    parent, client = _with_token(alice, days=1)
    for asked in ({}, {"expires_in_days": 30}, {"expires_at": (timezone.now() + timedelta(days=400)).isoformat()}):
        made = client.post("/api/tokens", {"name": "child", **asked}, format="json")
        assert made.status_code == 201, made.content
        assert parse_datetime(made.json()["expires_at"]) == parent.expires_at, asked


def test_a_child_may_expire_sooner(alice):
    parent, client = _with_token(alice, days=30)
    made = client.post("/api/tokens", {"name": "child", "expires_in_days": 2}, format="json").json()
    assert parse_datetime(made["expires_at"]) < parent.expires_at - timedelta(days=27)


def test_a_non_expiring_parent_makes_what_is_asked(alice):
    _, client = _with_token(alice, days=None)
    assert client.post("/api/tokens", {"name": "forever"}, format="json").json()["expires_at"] is None


def test_the_session_makes_what_is_asked(client, alice):
    client.force_login(alice)
    made = client.post("/api/tokens", {"name": "forever"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["expires_at"] is None
    page = client.post("/tokens/", {"name": "page-made", "expires_in_days": ""})
    assert page.status_code == 201
    assert ApiToken.objects.get(user=alice, name="page-made").expires_at is None


def test_a_token_made_with_an_oidc_jwt_expires_with_it(db, settings):
    import http.server
    import threading

    from accounts import oidc
    from tests.accounts.test_oidc import AUDIENCE, ISSUER, Keys  # the loopback JWKS of those tests
    from tests.accounts.test_oidc import token as jwt_for

    keys = Keys()
    keys.add("k1")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(keys.jwks())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.OIDC_ISSUER, settings.OIDC_AUDIENCE = ISSUER, AUDIENCE
        settings.OIDC_JWKS_URL = f"http://127.0.0.1:{server.server_port}/jwks.json"
        oidc._jwks_client.cache_clear()
        client = client_for(None)
        raw = jwt_for(keys)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        made = client.post("/api/tokens", {"name": "from-jwt"}, format="json")
        assert made.status_code == 201, made.content
        expires = parse_datetime(made.json()["expires_at"])
        assert timezone.now() < expires <= timezone.now() + timedelta(seconds=301)
    finally:
        server.shutdown()
