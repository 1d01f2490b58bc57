"""A 3 GiB upload offered to the production tier is refused before 1.2 x LB_UPLOAD_MAX_BYTES has been sent.

The client offers the body the way an attacker would (generated on the fly,
never stored), declared by Content-Length or chunked, and stops only when the
server answers or hangs up. Both servers that ship are tried: scripts/serve.sh
as a whole (nginx in front), and its WSGI tier alone (LB_WEB_PROXY=none, what
compose puts behind its own proxy).
"""

from __future__ import annotations

import os
import select
import socket

import pytest

from tests.support.webtier import start_web_tier

# What "sent" counts includes what the server's kernel has taken into its receive
# buffer and not yet handed to nginx or gunicorn: up to about 2 MiB on loopback here.
# At 8 MiB that alone came to 1.25 x the limit (a CI failure); at 64 MiB it is 1.03 x,
# so the bound measures the server rather than the kernel.
LIMIT = 64 * 1024 * 1024
OFFERED = 3 * 1024**3
BLOCK = 64 * 1024
BOUNDARY = "lb-oversized-boundary"


def _files(*folders) -> dict[str, int]:
    sizes = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                sizes[str(path)] = path.stat().st_size
    return sizes


def _offer(port: int, token: str, *, chunked: bool) -> tuple[int, bytes]:
    """Stream up to 3 GiB at /api/submissions; return (bytes sent, what the server answered)."""
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="benchmark"\r\n\r\ntoy\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="big.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {OFFERED}"
    head = (
        f"POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()
    block = os.urandom(BLOCK)
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BLOCK)  # what is "sent" is what left the client
    sent = 0
    answer = b""
    try:
        sock.sendall(head)
        payload = preamble
        while sent < OFFERED:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # answered, or hung up
            data = payload + block[: min(BLOCK, OFFERED - sent) - len(payload)]
            payload = b""
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            sent += len(data)
        try:
            while len(answer) < 4096:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
                if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass  # hung up on us
    finally:
        sock.close()
    return sent, answer


@pytest.fixture(scope="module", params=["nginx", "none"])
def tier(request, tmp_path_factory):
    tier = start_web_tier(
        tmp_path_factory.mktemp(f"tier-{request.param}"), LB_WEB_PROXY=request.param, LB_UPLOAD_MAX_BYTES=str(LIMIT)
    )
    yield tier
    tier.stop()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_three_gib_body_is_refused_before_1_2x_the_limit_and_leaves_nothing_on_disk(tier, chunked):
    before = _files(tier.data_dir, tier.tmp_dir, tier.run_dir)

    sent, answer = _offer(tier.port, tier.token, chunked=chunked)

    assert sent < 1.2 * LIMIT, f"{sent / 2**20:.1f} MiB sent before the server answered or hung up"
    if answer:  # else it hung up, which is also a refusal
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"error": "upload_too_large"' in answer or b'"error":"upload_too_large"' in answer
    after = _files(tier.data_dir, tier.tmp_dir, tier.run_dir)
    # SQLite may open its journal files on a worker's first query; the body itself is what must not land.
    new_files = {path: size for path, size in after.items() if path not in before and size > 64 * 1024}
    assert not new_files, new_files
    grown = sum(size - before.get(path, 0) for path, size in after.items())
    assert grown < 256 * 1024, f"{grown} bytes more on disk"


def test_a_chunked_upload_under_the_limit_is_accepted(tier):
    """The chunked path is counted, not refused: a real submission sent chunked gets a 201."""
    import requests

    from tests.conftest import toy_files, zip_bytes

    archive = zip_bytes(toy_files())
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="benchmark"\r\n\r\ntoy\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="method"\r\n\r\nchunked\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="s.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        + archive
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )

    def chunks():  # a generator body: requests sends it with Transfer-Encoding: chunked
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = requests.post(
        f"{tier.url}/api/submissions",
        data=chunks(),
        timeout=30,
        headers={"Authorization": f"Bearer {tier.token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["sha256"]
