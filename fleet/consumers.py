"""``/ws/fleet/``: staff receive the whole fleet once per ``LB_FLEET_PUSH_S``."""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from fleet import selectors
from fleet.metrics import _SOCKETS

CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _frame() -> dict:
    now = timezone.now()
    return {
        "type": "fleet",
        "server_time": now.isoformat(),
        "workers": selectors.fleet_snapshot(now=now),
        "pools": selectors.pool_summary(now=now),
    }


class FleetConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_staff:
            await self.send(
                text_data=json.dumps(
                    {"type": "error", "error": "forbidden", "detail": "the fleet is for staff; log in to admin"}
                )
            )
            await self.close(code=CLOSE_FORBIDDEN)
            return
        _SOCKETS["fleet"] += 1
        self.counted = True
        self.pusher = asyncio.create_task(self._push())

    async def _push(self):
        while True:
            started = time.monotonic()
            await self.send(text_data=json.dumps(await _frame()))
            await asyncio.sleep(max(0.1, settings.LB_FLEET_PUSH_S - (time.monotonic() - started)))

    async def receive(self, text_data=None, bytes_data=None):
        pass  # nothing to ask: the server pushes

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            _SOCKETS["fleet"] -= 1
            self.counted = False
        if getattr(self, "pusher", None) is not None:
            self.pusher.cancel()
