"""One sign-in door: allauth's /accounts/login/ (rate limits, e-mail verification). DRF's own
session login (/api-auth/login/) is gone; the browsable API links to allauth's page."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api-auth/login/", "/api-auth/logout/"])
def test_drf_login_pages_are_gone(client, db, path):
    assert client.get(path).status_code == 404


def test_drf_login_does_not_sign_in(client, alice, db):
    alice.set_password("correct horse battery")
    alice.save()
    response = client.post("/api-auth/login/", {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_the_browsable_api_links_to_allauths_login(client, db):
    page = client.get("/api/jobs", HTTP_ACCEPT="text/html")
    assert b'href="/accounts/login/?next=/api/jobs"' in page.content
    assert b"/api-auth/" not in page.content
    assert client.get("/accounts/login/").status_code == 200
