"""``/ws/jobs/<id>/live``: a job's status and log tail, pushed while it runs.

The worker writes the job row and the log file; this socket polls both (one
indexed row read and one ``stat`` per tick) and sends only what changed, so it
needs no channel layer across processes. Owner and staff only: logs are private.

Frames (JSON): ``{"type": "status", ...status fields}``,
``{"type": "log", "text", "offset", "next_offset"}``, then ``{"type": "end"}``
once the job is terminal and the whole log was sent; the server then closes (1000).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core.errors import NotFound
from jobs import logs
from jobs.api.serializers import job_status_data
from jobs.selectors import job_status_for

CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _status(user, job_id) -> dict | None:
    if not user.is_authenticated:
        return None
    try:
        return job_status_data(job_status_for(user=user, job_id=job_id))
    except NotFound:
        return None


class JobLiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.job_id = str(self.scope["url_route"]["kwargs"]["job_id"])
        await self.accept()
        status = await _status(self.scope.get("user"), self.job_id)
        if status is None:
            await self.send(
                text_data=json.dumps(
                    {"type": "error", "error": "not_found", "detail": f"No job {self.job_id} visible to you."}
                )
            )
            await self.close(code=CLOSE_NOT_FOUND)
            return
        query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode("latin-1")).items()}
        try:
            offset = max(0, int(query.get("offset", 0)))
        except ValueError:
            offset = 0
        self.task = asyncio.create_task(self._stream(status, offset))

    async def _stream(self, status: dict, offset: int) -> None:
        poll = settings.LB_JOB_LIVE_POLL_S
        last = None
        while True:
            if status != last:
                await self.send(text_data=json.dumps({"type": "status", **_jsonable(status)}))
                last = status
            terminal = status["status"] in ("completed", "failed", "cancelled")
            while True:  # drain the log (chunks are bounded)
                chunk = await asyncio.to_thread(logs.read_chunk, self.job_id, offset)
                if chunk.text:
                    await self.send(
                        text_data=json.dumps(
                            {
                                "type": "log",
                                "text": chunk.text,
                                "offset": chunk.offset,
                                "next_offset": chunk.next_offset,
                            }
                        )
                    )
                offset = chunk.next_offset
                if chunk.at_end:
                    break
            if terminal:
                await self.send(text_data=json.dumps({"type": "end", "status": status["status"]}))
                await self.close(code=1000)
                return
            await asyncio.sleep(poll)
            status = await _status(self.scope.get("user"), self.job_id) or status

    async def receive(self, text_data=None, bytes_data=None):
        pass  # nothing to ask: the stream is one-way

    async def disconnect(self, code):
        task = getattr(self, "task", None)
        if task is not None:
            task.cancel()


def _jsonable(data: dict) -> dict:
    return {
        key: (str(value) if value is not None and not isinstance(value, (str, int, float, bool)) else value)
        for key, value in data.items()
    }
