"""scripts/serve.sh: HTTP (WSGI) and WebSockets (ASGI) answer on one port; SIGTERM stops the whole tier."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import requests
import websockets

from tests.conftest import zip_bytes
from tests.support.webtier import start_web_tier


@pytest.fixture
def tier(tmp_path):
    tier = start_web_tier(tmp_path)
    yield tier
    tier.stop()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_http_and_websocket_share_the_port_and_sigterm_stops_the_tier(tier):
    headers = {"Authorization": f"Bearer {tier.token}"}
    listing = requests.get(f"{tier.url}/api/benchmarks", headers=headers, timeout=10)
    assert listing.status_code == 200
    assert [b["slug"] for b in listing.json()["results"]] == ["toy"]
    upload = requests.post(
        f"{tier.url}/api/submissions",
        headers=headers,
        timeout=30,
        data={"benchmark": "toy", "method": "one-port"},
        files={
            "archive": ("s.zip", zip_bytes({"main.py": "print(1)\n", "config.yaml": "flip: 0\n"}), "application/zip")
        },
    )
    assert upload.status_code == 201, upload.text

    async def socket_session():
        async with websockets.connect(
            f"ws://127.0.0.1:{tier.port}/ws/inference?speed=30&maze=train-0000", origin=tier.url
        ) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 15))
            assert first["type"] == "episode"
            await ws.send(json.dumps({"type": "play"}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
                if frame["type"] == "step":
                    return frame

    step = asyncio.run(socket_session())
    assert step["step"] >= 1 and "position" in step

    assert tier.stop(timeout=40) == 0
    assert not _port_open(tier.port)
