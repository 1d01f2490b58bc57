"""/metrics, the fleet page and /ws/fleet/ are for staff (and /metrics for the
LB_METRICS_ALLOW addresses); everyone else gets a 403 in the API's error shape."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def _client(user=None, address="127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_anonymous_and_non_staff_cannot_read_metrics(settings, alice):
    settings.LB_METRICS_ALLOW = []
    for client in (_client(), _client(alice)):
        response = client.get("/metrics")
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden" and "LB_METRICS_ALLOW" in response.json()["detail"]


@pytest.mark.django_db
def test_staff_reads_parseable_metrics(settings, staff, live_worker):
    settings.LB_METRICS_ALLOW = []
    live_worker(pools=["default"])
    response = _client(staff).get("/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    assert {
        "leaderboard_jobs",
        "leaderboard_queue_depth",
        "leaderboard_workers_alive",
        "leaderboard_job_duration_seconds",
        "leaderboard_scoring_seconds",
        "leaderboard_websocket_connections",
    } <= set(families)
    alive = {s.labels["pool"]: s.value for s in families["leaderboard_workers_alive"].samples}
    assert alive["default"] == 1


@pytest.mark.django_db
def test_allowed_network_reads_metrics_but_a_forwarded_header_does_not_count(settings):
    settings.LB_METRICS_ALLOW = ["10.0.0.0/8"]
    assert _client(address="10.1.2.3").get("/metrics").status_code == 200
    spoofed = _client(address="203.0.113.9").get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert spoofed.status_code == 403


@pytest.mark.django_db
def test_fleet_page_is_for_staff(staff, alice):
    assert _client().get("/fleet/").status_code == 302  # to the admin login
    assert _client(alice).get("/fleet/").status_code == 302
    page = _client(staff).get("/fleet/")
    assert page.status_code == 200 and b"/ws/fleet/" in page.content


@pytest.mark.django_db(transaction=True)
def test_fleet_socket_refuses_anonymous():
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    async def talk():
        communicator = WebsocketCommunicator(
            application, "/ws/fleet/", headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
        )
        connected, _ = await communicator.connect()
        assert connected
        frame = await communicator.receive_json_from(timeout=5)
        closed = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return frame, closed

    frame, closed = async_to_sync(talk)()
    assert frame["error"] == "forbidden" and "workers" not in frame
    assert closed == {"type": "websocket.close", "code": 4403}
