"""Rate limits on the shared cache (429 + Retry-After) and CORS (closed by default)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import upload

pytestmark = pytest.mark.ratelimit


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_submissions_per_hour(as_alice, as_bob, settings):
    settings.LB_RATE_SUBMISSIONS_HOUR = "2/h"
    assert [upload(as_alice).status_code for _ in range(3)] == [201, 201, 429]
    blocked = upload(as_alice)
    assert blocked.json()["error"] == "rate_limited" and int(blocked["Retry-After"]) > 0
    assert upload(as_bob).status_code == 201  # per user


def test_submissions_per_day(as_alice, settings):
    settings.LB_RATE_SUBMISSIONS_DAY = "1/d"
    assert [upload(as_alice).status_code for _ in range(2)] == [201, 429]


def test_anonymous_requests_are_limited_per_ip(anonymous, db, settings):
    settings.LB_RATE_ANON = "3/m"
    codes = [anonymous.get("/api/benchmarks").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other_ip = anonymous.get("/api/benchmarks", REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 200


def test_cors_is_closed_by_default(anonymous, db):
    response = anonymous.get("/api/benchmarks", HTTP_ORIGIN="https://evil.example")
    assert "access-control-allow-origin" not in {k.lower() for k in response.headers}


def test_cors_allows_configured_origins(anonymous, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://lab.example"]
    allowed = anonymous.get("/api/benchmarks", HTTP_ORIGIN="https://lab.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://lab.example"
    other = anonymous.get("/api/benchmarks", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
