"""/health, /health/ready and /health/live: the status word and code for everyone; which
database, queue and MLflow address the deployment uses only for staff."""

from __future__ import annotations

import pytest

from tests.conftest import client_for


@pytest.mark.parametrize("path", ["/health", "/health/ready", "/health/live"])
def test_anonymous_gets_the_status_only(anonymous, db, settings, path):
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    response = anonymous.get(path)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status"} and body["status"] in {"ok", "degraded"}
    for leak in (b"postgresql", b"sqlite", b"Huey", b"127.0.0.1:9", b"checks"):
        assert leak not in response.content


def test_a_non_staff_token_or_a_bad_one_gets_the_status_only(as_alice, db):
    assert set(as_alice.get("/health").json()) == {"status"}
    stale = client_for(None)
    stale.credentials(HTTP_AUTHORIZATION="Bearer lb_000000000000_" + "x" * 30)
    response = stale.get("/health/ready")  # a probe with a stale credential is not turned away
    assert response.status_code == 200 and set(response.json()) == {"status"}


def test_staff_gets_every_check(as_staff, client, staff):
    for reader in (as_staff, client):
        if reader is client:
            client.force_login(staff)  # a browser session counts too
        body = reader.get("/health/ready").json()
        assert set(body["checks"]) == {"database", "queue", "tracking"}
        assert body["checks"]["database"]["ok"] is True
