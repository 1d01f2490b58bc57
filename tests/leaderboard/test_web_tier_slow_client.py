"""scripts/serve.sh: a client that sends its upload slowly holds no HTTP worker.

The tier's gunicorn runs sync workers, one request at a time each. nginx reads a whole
request, body included, before it hands the request to a worker; without that, one
stalled uploader per worker would stop the tier (proxy_request_buffering off fails this).
"""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.support.webtier import start_web_tier

BODY_BYTES = 512 * 1024


@pytest.fixture
def tier(tmp_path):
    tier = start_web_tier(tmp_path, LB_WEB_WORKERS="1")  # one sync worker: what a stalled body would hold
    yield tier
    tier.stop()


def test_a_stalled_upload_does_not_hold_the_only_worker(tier):
    head = (
        f"POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1:{tier.port}\r\n"
        f"Authorization: Bearer {tier.token}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {BODY_BYTES}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", tier.port), timeout=30) as uploader:
        uploader.sendall(head + b"--b\r\n" + b"x" * 4096)  # then nothing more for now
        time.sleep(0.5)
        started = time.monotonic()
        listing = requests.get(
            f"{tier.url}/api/benchmarks", headers={"Authorization": f"Bearer {tier.token}"}, timeout=30
        )
        waited = time.monotonic() - started
        assert listing.status_code == 200
        assert waited < 3, f"a request waited {waited:.1f} s behind a stalled upload"
        # The stalled upload still completes once the rest arrives (a malformed form: a 400, not a 5xx).
        uploader.sendall(b"x" * (BODY_BYTES - 4096 - 5))
        answer = uploader.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
