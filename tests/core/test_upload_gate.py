"""/api/upload-gate, what nginx asks before it reads an upload's body: signed in (token or session) or not."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

GATE = "/api/upload-gate"


def test_an_anonymous_upload_is_refused():
    response = APIClient().get(GATE, HTTP_X_ORIGINAL_METHOD="POST")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_a_forged_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer lb_forged_token")
    assert client.get(GATE, HTTP_X_ORIGINAL_METHOD="POST").status_code == 401


def test_a_valid_token_passes(alice):
    assert client_for(alice).get(GATE, HTTP_X_ORIGINAL_METHOD="POST").status_code == 204


def test_a_browser_session_passes(alice):
    client = APIClient()
    client.force_login(alice)
    assert client.get(GATE, HTTP_X_ORIGINAL_METHOD="POST").status_code == 204


def test_a_safe_method_passes_unsigned():
    assert APIClient().get(GATE, HTTP_X_ORIGINAL_METHOD="GET").status_code == 204
