"""scripts/serve.sh: requests on kept-alive client connections are spread over all the HTTP workers.

A kept-alive connection from the proxy stayed with the gunicorn worker that accepted it, and
after a burst one worker held all the connections nginx reused, so one core served every
request while the other idled (docs/performance.md). The proxy now opens one connection to
gunicorn per request, and each is accepted by whichever sync worker is free."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

import pytest

from tests.support.webtier import start_web_tier

CLIENTS, REQUESTS_EACH = 4, 150


@pytest.fixture
def tier(tmp_path):
    tier = start_web_tier(tmp_path, LB_WEB_WORKERS="2")
    yield tier
    tier.stop()


def _http_workers(session_id: int) -> dict[int, float]:
    """CPU seconds so far of each gunicorn worker of the tier (children of its gunicorn master)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if b"config.wsgi" in cmdline and int(fields[3]) == session_id:
            found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / 100)
    masters = {pid for pid, (parent, _) in found.items() if parent not in found}
    return {pid: cpu for pid, (parent, cpu) in found.items() if parent in masters}


def _clients(tier, count: int, requests_each: int) -> list[int]:
    """``count`` clients at once, each sending its requests on one kept-alive connection; the failures."""
    headers = {"Authorization": f"Bearer {tier.token}"}
    failures = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", tier.port, timeout=30)
        for _ in range(requests_each):
            connection.request("GET", "/api/leaderboard?benchmark=toy", headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200 or response.will_close:
                failures.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_kept_alive_clients_are_served_by_every_worker(tier):
    # A burst first, as a busy hour leaves it: a proxy that keeps upstream connections has many open now.
    assert not _clients(tier, 48, 4)
    before = _http_workers(tier.process.pid)
    assert len(before) == 2
    assert not _clients(tier, CLIENTS, REQUESTS_EACH)
    spent = {pid: cpu - before[pid] for pid, cpu in _http_workers(tier.process.pid).items()}
    total = sum(spent.values())
    assert total > 0.3, spent  # enough work to tell where it went (CPU is counted in 10 ms ticks)
    assert min(spent.values()) > 0.2 * total, spent
