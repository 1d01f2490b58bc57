"""The client address through the real web tier (scripts/serve.sh): nginx in front of gunicorn
(the default), and gunicorn alone (LB_WEB_PROXY=none, the image's default command).

Traffic stays on loopback: the tier trusts 127.0.0.1 as its proxy (LB_TRUSTED_PROXIES), and a
stranger is a client whose connection comes from 127.0.0.2 (the whole of 127/8 is this host).
"""

from __future__ import annotations

import http.client
import json

import pytest

from tests.support.webtier import start_web_tier

pytestmark = pytest.mark.slow

PROXY_SOURCE = "127.0.0.1"  # a trusted proxy's connection
STRANGER_SOURCE = "127.0.0.2"  # a client reaching the tier directly


@pytest.fixture(scope="module", params=["nginx", "none"])
def tier(request, tmp_path_factory):
    tier = start_web_tier(
        tmp_path_factory.mktemp(f"tier-{request.param}"),
        LB_WEB_PROXY=request.param,
        LB_TRUSTED_PROXIES="127.0.0.1/32",
        LB_RATELIMIT_ENABLE="1",
        LB_RATE_ANON="3/m",
        LB_METRICS_ALLOW="203.0.113.0/24",
    )
    yield tier
    tier.stop()


def get(tier, path: str, *, source: str, headers: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", tier.port, timeout=15, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {}


def statuses(tier, n: int, **kwargs) -> list[int]:
    return [get(tier, "/api/benchmarks", **kwargs)[0] for _ in range(n)]


def test_a_strangers_forged_headers_open_no_metrics(tier):
    for forged in (
        {"X-Real-IP": "203.0.113.9"},
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.9, 127.0.0.1"},
    ):
        status, body = get(tier, "/metrics", source=STRANGER_SOURCE, headers=forged)
        assert status == 403 and body["error"] == "forbidden", forged
    # The trusted proxy vouching for an allowed client: the allow-list reads the client address.
    status, _ = get(tier, "/metrics", source=PROXY_SOURCE, headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 200


def test_a_strangers_forged_headers_change_no_throttle_bucket(tier):
    assert statuses(tier, 3, source=STRANGER_SOURCE) == [200, 200, 200]
    for forged in (
        {"X-Real-IP": "198.51.100.1"},
        {"X-Forwarded-For": "198.51.100.2"},
        {"X-Forwarded-For": "198.51.100.3, 127.0.0.1"},
    ):
        status, body = get(tier, "/api/benchmarks", source=STRANGER_SOURCE, headers=forged)
        assert status == 429 and body["error"] == "rate_limited", forged


def test_two_clients_behind_the_trusted_proxy_get_separate_buckets(tier):
    first, second = {"X-Forwarded-For": "192.0.2.1"}, {"X-Forwarded-For": "192.0.2.2"}
    assert statuses(tier, 4, source=PROXY_SOURCE, headers=first) == [200, 200, 200, 429]
    assert statuses(tier, 3, source=PROXY_SOURCE, headers=second) == [200, 200, 200]
    # A chain whose untrusted hop is 192.0.2.1: what it wrote to its left is not believed.
    chained = {"X-Forwarded-For": "192.0.2.99, 192.0.2.1"}
    assert statuses(tier, 1, source=PROXY_SOURCE, headers=chained) == [429]
