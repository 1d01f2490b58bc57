"""/api/me shows the submission rate as the throttle that enforces it counts it:
the same cache entry, so the two numbers cannot disagree."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from submissions.models import Submission
from tests.conftest import upload

pytestmark = pytest.mark.ratelimit


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def me_quota(client, name: str) -> dict:
    return next(q for q in client.get("/api/me").json()["limits"] if q["name"] == name)


def test_me_reports_what_the_limiter_counts_up_to_the_limit(as_alice, as_bob, settings):
    settings.LB_RATE_SUBMISSIONS_HOUR = "3/h"
    assert me_quota(as_alice, "submissions_per_hour") == {
        "name": "submissions_per_hour",
        "limit": 3,
        "used": 0,
        "window_s": 3600,
        "frees_at": None,
    }
    assert upload(as_alice, benchmark="no-such-benchmark").status_code == 400  # refused, but the limiter counted it
    assert upload(as_alice).status_code == 201
    assert Submission.objects.filter(owner__username="alice").count() == 1
    assert me_quota(as_alice, "submissions_per_hour")["used"] == 2  # the limiter's count, not the table's
    assert upload(as_alice).status_code == 201
    refused = upload(as_alice)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    at_limit = me_quota(as_alice, "submissions_per_hour")
    assert at_limit["used"] == at_limit["limit"] == 3 and at_limit["frees_at"] is not None
    # DRF asks every throttle, so the day window counted the request the hour window refused.
    assert me_quota(as_alice, "submissions_per_day")["used"] == 4
    assert me_quota(as_bob, "submissions_per_hour")["used"] == 0  # per user


def test_reading_me_and_listing_do_not_count(as_alice, settings):
    settings.LB_RATE_SUBMISSIONS_HOUR = "1/h"
    for _ in range(3):
        as_alice.get("/api/me")
        as_alice.get("/api/submissions")
    assert me_quota(as_alice, "submissions_per_hour")["used"] == 0
    assert upload(as_alice).status_code == 201


def test_a_forged_forwarded_for_header_gets_no_fresh_anonymous_bucket(anonymous, db, settings):
    # A client that reaches us directly (not one of LB_TRUSTED_PROXIES): its header is not read.
    settings.LB_RATE_ANON = "2/m"
    direct = {"REMOTE_ADDR": "198.51.100.20"}
    assert [anonymous.get("/api/benchmarks", **direct).status_code for _ in range(2)] == [200, 200]
    forged = anonymous.get("/api/benchmarks", HTTP_X_FORWARDED_FOR="203.0.113.9", **direct)
    assert forged.status_code == 429 and forged.json()["error"] == "rate_limited"
