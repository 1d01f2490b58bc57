"""/ws/jobs/<id>/live through the project's ASGI app (session auth): the owner gets status
and log as they change, then "end"; anyone else gets not_found and a 4404 close."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from jobs import logs
from jobs.models import Job, JobStatus
from jobs.services import job_enqueue
from tests.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job(alice, as_alice, prepared_toy, settings):
    settings.LB_JOB_LIVE_POLL_S = 0.05
    return job_enqueue(owner=alice, submission_id=upload(as_alice).json()["id"])[0]


def _cookie(user) -> bytes:
    if user is None:
        return b""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _open(job_id, user_cookie: bytes):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", user_cookie)]
    communicator = WebsocketCommunicator(application, f"/ws/jobs/{job_id}/live", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def test_owner_sees_status_and_log_change_then_end(job, alice):
    cookie = _cookie(alice)

    async def scenario():
        ws = await _open(job.pk, cookie)
        first = await ws.receive_json_from(timeout=5)
        assert first["type"] == "status" and first["status"] == "pending"
        with logs.open_for_append(job.pk) as log:
            log.write(b"hello from the run\n")
        frame = await ws.receive_json_from(timeout=5)
        assert frame == {"type": "log", "text": "hello from the run\n", "offset": 0, "next_offset": 19}
        await database_sync_to_async(
            lambda: Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, phase="executing")
        )()
        frame = await ws.receive_json_from(timeout=5)
        assert frame["type"] == "status" and (frame["status"], frame["phase"]) == ("running", "executing")
        with logs.open_for_append(job.pk) as log:
            log.write(b"second line\n")
        await database_sync_to_async(lambda: Job.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED))()
        frames = [await ws.receive_json_from(timeout=5) for _ in range(3)]
        by_type = {f["type"]: f for f in frames}
        assert set(by_type) == {"status", "log", "end"} and frames[-1]["type"] == "end"
        assert by_type["log"]["text"] == "second line\n" and by_type["end"]["status"] == "completed"
        assert (await ws.receive_output(timeout=5))["type"] == "websocket.close"

    asyncio.run(scenario())


@pytest.mark.parametrize("who", ["bob", "anonymous"])
def test_others_get_not_found_and_no_log(job, bob, who):
    with logs.open_for_append(job.pk) as log:
        log.write(b"secret line\n")
    cookie = _cookie(bob if who == "bob" else None)

    async def scenario():
        ws = await _open(job.pk, cookie)
        frame = await ws.receive_json_from(timeout=5)
        closed = await ws.receive_output(timeout=5)
        return frame, closed

    frame, closed = asyncio.run(scenario())
    assert frame["type"] == "error" and frame["error"] == "not_found"
    assert closed == {"type": "websocket.close", "code": 4404}
