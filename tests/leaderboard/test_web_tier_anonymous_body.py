"""scripts/serve.sh: an anonymous upload is refused by nginx before its body is read; a signed-in one uploads.

nginx asks the application (auth_request, headers only) whether an upload path's request is
signed in before it reads the body: an anonymous 8 MiB POST is answered 401 while the client is
still sending, long before nginx could have buffered it (bodies past 2 MiB go to its disk).
Outside the upload paths every body is capped small (LB_ANON_BODY_MAX_BYTES).
"""

from __future__ import annotations

import io
import os
import select
import socket
import time
import zipfile

import pytest
import requests

from tests.conftest import toy_files
from tests.support.webtier import start_web_tier

BODY = 8 * 2**20
BLOCK = 64 * 1024
BOUNDARY = "lb-anon-boundary"


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    tier = start_web_tier(tmp_path_factory.mktemp("tier"), LB_WEB_WORKERS="1")
    yield tier
    tier.stop()


def _offer(port: int, headers: str) -> tuple[int, bytes]:
    """Send an 8 MiB multipart upload slowly; (bytes sent when the server answered, its answer)."""
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="big.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    head = (
        f"POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {BODY}\r\n\r\n"
    ).encode()
    block = os.urandom(BLOCK)
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BLOCK)
        try:
            sock.sendall(head + preamble)
            sent = len(preamble)
            while sent < BODY:
                if select.select([sock], [], [], 0.005)[0]:
                    break  # answered (or hung up) while we were still sending
                data = block[: min(BLOCK, BODY - sent)]
                sock.sendall(data)
                sent += len(data)
            deadline = time.monotonic() + 20
            while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except (BrokenPipeError, ConnectionResetError):
            pass
    return sent, answer


def test_an_anonymous_8_mib_upload_is_refused_before_it_is_read(tier):
    sent, answer = _offer(tier.port, "")
    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    assert sent < BODY // 2, f"nginx answered only after {sent} bytes: it read (and buffered) the body"


def test_a_forged_token_is_refused_the_same_way(tier):
    sent, answer = _offer(tier.port, "Authorization: Bearer lb_forged_token\r\n")
    assert answer.startswith(b"HTTP/1.1 401"), answer[:300]
    assert sent < BODY // 2


def test_a_signed_in_8_mib_upload_still_uploads(tier):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in toy_files().items():
            archive.writestr(name, content)
        archive.writestr("data/weights.npy", os.urandom(BODY))
    response = requests.post(
        f"{tier.url}/api/submissions",
        headers={"Authorization": f"Bearer {tier.token}"},
        data={"benchmark": "toy", "method": "big"},
        timeout=120,
        files={"archive": ("big.zip", buffer.getvalue(), "application/zip")},
    )
    assert response.status_code == 201, response.text[:300]


def test_bodies_outside_the_upload_paths_are_small_even_signed_in(tier):
    response = requests.post(
        f"{tier.url}/api/jobs",
        headers={"Authorization": f"Bearer {tier.token}", "Content-Type": "application/json"},
        data=b"{" + b" " * (2 * 2**20) + b"}",
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "upload_too_large"
