"""The client address is X-Forwarded-For walked from the right through LB_TRUSTED_PROXIES,
starting at the TCP peer; every reader (throttles, allauth, /metrics, the request log) gets it.
The real web tier (nginx + gunicorn) is in test_client_address_web_tier.py."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core.proxy import client_address

pytestmark = pytest.mark.ratelimit

PROXY = "10.0.0.5"  # the one trusted proxy in these tests
STRANGER = "198.51.100.20"  # a client that reaches the app directly


@pytest.fixture(autouse=True)
def one_trusted_proxy(settings):
    settings.LB_TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.LB_RATE_ANON = "2/m"
    cache.clear()
    yield
    cache.clear()


def _statuses(client, n: int, **meta) -> list[int]:
    return [client.get("/api/benchmarks", **meta).status_code for _ in range(n)]


@pytest.mark.parametrize("header", ["HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR"])
def test_a_header_from_an_untrusted_peer_changes_no_throttle_bucket(anonymous, db, header):
    assert _statuses(anonymous, 2, REMOTE_ADDR=STRANGER) == [200, 200]
    for forged in ("203.0.113.9", "203.0.113.10", f"203.0.113.11, {PROXY}"):
        refused = anonymous.get("/api/benchmarks", REMOTE_ADDR=STRANGER, **{header: forged})
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"


@pytest.mark.parametrize("header", ["HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR"])
def test_a_header_from_an_untrusted_peer_opens_no_metrics(anonymous, db, settings, header):
    settings.LB_METRICS_ALLOW = ["203.0.113.0/24"]
    forged = anonymous.get("/metrics", REMOTE_ADDR=STRANGER, **{header: "203.0.113.9"})
    assert forged.status_code == 403
    # ... while the trusted proxy vouching for that client does open it (the allow-list reads the client).
    assert anonymous.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200


def test_two_clients_behind_the_trusted_proxy_get_separate_buckets(anonymous, db):
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.2"}
    assert _statuses(anonymous, 3, **first) == [200, 200, 429]
    assert _statuses(anonymous, 2, **second) == [200, 200]  # not the first client's bucket
    # What a client writes to the left of its own address is not believed: same bucket as before.
    spoofed = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.77, 192.0.2.1"}
    assert _statuses(anonymous, 1, **spoofed) == [429]


def test_the_walk_stops_at_the_first_untrusted_hop(settings):
    settings.LB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # client-written 203.0.113.7, then an untrusted hop, then two trusted proxies
    chain = "203.0.113.7, 198.51.100.9, 10.0.0.6"
    assert client_address("10.0.0.5", chain) == "198.51.100.9"
    # a trusted-looking address written by the untrusted hop is not a reason to walk on
    assert client_address("10.0.0.5", "10.9.9.9, 198.51.100.9, 10.0.0.6") == "198.51.100.9"
    assert client_address("198.51.100.9", chain) == "198.51.100.9"  # untrusted peer: header unread
    assert client_address("10.0.0.5", "garbage, 10.0.0.6") == "10.0.0.6"
    assert client_address("10.0.0.5", "") == "10.0.0.5"
    assert client_address("10.0.0.5", "[2001:db8::1]:443, 10.0.0.6:8080") == "2001:db8::1"
    # gunicorn over the Unix socket of scripts/serve.sh: no peer address, the local proxy
    assert client_address("", "198.51.100.9") == "198.51.100.9"


def test_a_chain_with_an_untrusted_hop_in_the_middle_shares_that_hops_bucket(anonymous, db, settings):
    settings.LB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    via = {"REMOTE_ADDR": "10.0.0.5"}
    assert _statuses(anonymous, 2, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.9, 10.0.0.6", **via) == [200, 200]
    # another left-most address behind the same untrusted hop: the same client to us
    assert _statuses(anonymous, 1, HTTP_X_FORWARDED_FOR="203.0.113.8, 198.51.100.9, 10.0.0.6", **via) == [429]


def test_allauth_and_the_request_log_read_the_same_address(db, caplog):
    from allauth.account.adapter import get_adapter
    from django.test import Client

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.5", HTTP_X_REAL_IP="6.6.6.6")
    from core.proxy import ClientAddressMiddleware

    ClientAddressMiddleware(lambda r: None)(request)
    assert get_adapter(request).get_client_ip(request) == "192.0.2.5" == request.META["REMOTE_ADDR"]
    assert request.META["LB_PEER_ADDR"] == PROXY

    with caplog.at_level(logging.INFO, logger="access"):
        Client().get("/health/live", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.6")
    records = [r for r in caplog.records if getattr(r, "event", None) == "http_request"]
    assert records and records[-1].client_ip == "192.0.2.6"


def test_allauth_login_rate_limit_counts_per_client_behind_the_proxy(client, db, settings):
    """allauth's own limiter (login failures per address) uses the adapter's address."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    form = {"login": "nobody", "password": "wrong"}
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    codes = [client.post("/accounts/login/", form, **first).status_code for _ in range(3)]
    assert codes[-1] == 429
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.2"}
    assert client.post("/accounts/login/", form, **second).status_code != 429
    # a stranger forging the second client's address still lands in its own bucket
    stranger = {"REMOTE_ADDR": STRANGER, "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    assert [client.post("/accounts/login/", form, **stranger).status_code for _ in range(2)] == [200, 200]
