"""WebSockets: ``/ws/inference`` (live replay) and ``/ws/training`` (progress).

Inference never runs on the event loop: each call goes to a bounded thread pool
(``LB_VIEWER_INFERENCE_THREADS``) under a per-step deadline (``LB_VIEWER_STEP_TIMEOUT_S``).
A policy that misses it is told to stop (onnxruntime's ``RunOptions.terminate``) and its socket
is closed with ``inference_timeout`` (4504); every other socket keeps flowing."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from agents import selectors, services
from agents.cell_values import cached_values
from agents.episode import Episode, now_ms, viewer_mazes
from agents.models import ACTIVE_TRAINING
from agents.policies import cached_policy, run_options
from core import logcontext
from core.observability import STATE, SocketSession

CLOSE_LIMIT, CLOSE_IDLE, CLOSE_NOT_FOUND, CLOSE_SLOW = 4429, 4408, 4404, 4504
DEFAULT_SPEED = 5.0


class BadMessage(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def _query(scope) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}


def _speed(value) -> float:
    try:
        speed = float(value)
    except (TypeError, ValueError):
        raise BadMessage("invalid", "speed must be a number of steps per second") from None
    if not 0.1 <= speed <= settings.LB_WS_MAX_SPEED:
        raise BadMessage("invalid", f"speed must be between 0.1 and {settings.LB_WS_MAX_SPEED:g}")
    return speed


class InferenceTimeout(Exception):
    pass


_pool: list[ThreadPoolExecutor] = []


def _inference_pool() -> ThreadPoolExecutor:
    """One bounded pool per process: a slow policy holds one thread until its deadline stops it."""
    if not _pool:
        _pool.append(
            ThreadPoolExecutor(max_workers=settings.LB_VIEWER_INFERENCE_THREADS, thread_name_prefix="viewer-onnx")
        )
    return _pool[0]


@database_sync_to_async
def _load(model_choice, user):
    """(model, policy) for an explicit model id the user may see, or the active model when None."""
    model = selectors.model_get(model_choice, user=user) if model_choice is not None else selectors.active_model()
    if model is None:
        raise BadMessage(
            "no_model" if model_choice is None else "not_found",
            "no active model; run `manage.py bootstrap`"
            if model_choice is None
            else f"model {model_choice} does not exist",
        )
    if model.archived:
        raise BadMessage("archived", f"model {model.id} is archived")
    return model, cached_policy(model.id, model.sha256, settings.LB_MODELS_DIR / model.file)


class LimitedConsumer(AsyncWebsocketConsumer):
    """Shared plumbing: connection cap, idle timeout, error frames, session log."""

    async def connect(self):
        self.session = SocketSession(self.scope)
        logcontext.request_id.set(self.session.request_id)  # this socket's task: every line carries it
        self.last_activity = time.monotonic()
        self.tasks: list[asyncio.Task] = []
        await self.accept()
        if STATE["ws_connections"] >= settings.LB_WS_MAX_CONNECTIONS:
            await self.send_error("limit_exceeded", f"at most {settings.LB_WS_MAX_CONNECTIONS} sockets; retry later")
            await self.close(code=CLOSE_LIMIT)
            self.session.closed(CLOSE_LIMIT)
            return
        self.session.opened()
        self.tasks.append(asyncio.create_task(self._idle_watch()))
        await self.opened()

    async def opened(self):  # subclasses start their work here
        pass

    def is_busy(self) -> bool:  # subclasses: True while the server itself is streaming
        return False

    async def _idle_watch(self):
        timeout = settings.LB_WS_IDLE_TIMEOUT_S
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            if not self.is_busy() and time.monotonic() - self.last_activity > timeout:
                await self.send_error("idle_timeout", f"no activity for {timeout:g} s")
                await self.close(code=CLOSE_IDLE)
                self.session.closed(CLOSE_IDLE)
                return

    async def send_frame(self, frame: dict):
        self.session.frames += 1
        await self.send(text_data=json.dumps(frame))

    async def send_error(self, code: str, detail: str):
        self.session.error()
        await self.send_frame({"type": "error", "error": code, "detail": detail, "server_ts": now_ms()})

    async def receive(self, text_data=None, bytes_data=None):
        self.last_activity = time.monotonic()
        try:
            try:
                message = json.loads(text_data if text_data is not None else bytes_data)
            except (TypeError, ValueError):
                raise BadMessage("invalid_json", 'messages must be JSON objects like {"type": "play"}') from None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise BadMessage("invalid", 'messages must be JSON objects with a string "type"')
            await self.handle(message)
        except BadMessage as exc:
            await self.send_error(exc.code, exc.detail)
        except InferenceTimeout as exc:
            await self.close_slow(exc)

    async def handle(self, message: dict):
        raise BadMessage("unknown_type", f"unknown message type {message['type']!r}")

    async def close_slow(self, exc: InferenceTimeout):  # sockets that run inference override this
        raise exc

    async def disconnect(self, code):
        for task in self.tasks:
            task.cancel()
        self.session.closed(code)


class InferenceConsumer(LimitedConsumer):
    """Each socket plays its own episode; see docs/agents.md for the protocol."""

    async def opened(self):
        query = _query(self.scope)
        self.playing = False
        self.player: asyncio.Task | None = None
        self.episode: Episode | None = None
        self.model = None
        self.step_ms: deque[float] = deque(maxlen=10_000)  # onnxruntime time per step, for "stats"
        self.inflight: asyncio.Future | None = None  # the episode's call in the pool, if any
        self.mazes = viewer_mazes(settings.LB_VIEWER_MAZES)
        try:
            self.speed = _speed(query.get("speed", DEFAULT_SPEED))
            self.model_choice = query.get("model") or None
            self.maze_id = query.get("maze") or next(iter(self.mazes))
            if self.maze_id not in self.mazes:
                raise BadMessage("not_found", f"unknown maze {self.maze_id!r}")
            await self.new_episode()
        except BadMessage as exc:
            await self.send_error(exc.code, exc.detail)
            return
        except InferenceTimeout as exc:
            await self.close_slow(exc)
            return
        if query.get("autoplay", "1") not in ("0", "false", "no"):
            await self.play()

    async def infer(self, call):
        """Run ``call(run_options)`` (the episode's inference) in the pool under the step deadline."""
        loop = asyncio.get_running_loop()
        options = run_options()

        async def in_pool():
            while self.inflight is not None and not self.inflight.done():
                # A cancelled caller's call still owns the episode: wait for it (it is bounded too).
                await asyncio.wait([self.inflight])
            self.inflight = loop.run_in_executor(_inference_pool(), call, options)
            # A cut-off call ends in onnxruntime's "terminated" error, which nobody awaits: read it here.
            self.inflight.add_done_callback(lambda done: done.cancelled() or done.exception())
            return await asyncio.shield(self.inflight)

        try:
            return await asyncio.wait_for(in_pool(), settings.LB_VIEWER_STEP_TIMEOUT_S)
        except TimeoutError:
            options.terminate = True  # onnxruntime stops the run at its next node or loop iteration
            raise InferenceTimeout(
                f"the policy took longer than {settings.LB_VIEWER_STEP_TIMEOUT_S:g} s "
                f"for one step; this socket is closed"
            ) from None

    async def close_slow(self, exc: InferenceTimeout):
        self.playing = False
        await self.send_error("inference_timeout", str(exc))
        await self.close(code=CLOSE_SLOW)
        self.session.closed(CLOSE_SLOW)

    def is_busy(self) -> bool:
        return self.playing

    async def new_episode(self):
        """Start an episode; the model is resolved now, so a new active model applies here."""
        await self.pause()
        user = self.scope.get("user")
        self.model, policy = await _load(self.model_choice, AnonymousUser() if user is None else user)
        self.session.model_id = self.model.id
        self.episode = Episode(policy, self.mazes[self.maze_id], sampling=self.model.sampling)
        frame = await self.infer(self.episode.start_frame)
        frame["model"] = {
            "id": self.model.id,
            "name": self.model.name,
            "version": self.model.version,
            "algorithm": self.model.algorithm,
        }
        frame["speed"] = self.speed
        # The heatmap and the arrows: every floor cell's scores, once per policy file and maze (cached).
        maze, key = self.episode.maze, (self.model.id, self.model.sha256, self.maze_id)
        frame["values"] = await self.infer(lambda options: cached_values(key, policy, maze, options))
        await self.send_frame(frame)

    async def play(self):
        if self.episode is None:
            raise BadMessage("no_episode", "no episode to play")
        if self.episode.done:
            await self.new_episode()
        if not self.playing:
            self.playing = True
            self.player = asyncio.create_task(self._play())
            self.tasks.append(self.player)

    async def pause(self):
        self.playing = False
        if self.player is not None:
            self.player.cancel()
            self.tasks.remove(self.player)
            self.player = None

    async def _play(self):
        next_at = time.monotonic()
        try:
            while self.playing and not self.episode.done:
                await self.advance()
                next_at = max(next_at + 1.0 / self.speed, time.monotonic() - 0.5)  # bounded catch-up
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except InferenceTimeout as exc:
            await self.close_slow(exc)
        self.playing = False

    async def advance(self):
        frame = await self.infer(self.episode.step_frame)
        self.step_ms.append(round(self.episode.step_seconds[-1] * 1000.0, 4))
        self.last_activity = time.monotonic()
        await self.send_frame(frame)
        if frame["done"]:
            episode = self.episode
            await database_sync_to_async(services.episode_log)(
                model_id=self.model.id,
                maze_id=episode.maze.id,
                steps=frame["step"],
                success=episode.success,
                total_reward=episode.cumulative_reward,
            )

    async def send_state(self):
        await self.send_frame(
            {
                "type": "state",
                "playing": self.playing,
                "speed": self.speed,
                "model_id": self.model.id if self.model else None,
                "maze_id": self.maze_id,
                "server_ts": now_ms(),
            }
        )

    async def handle(self, message: dict):
        kind, value = message["type"], message.get("value")
        if kind == "play":
            await self.play()
        elif kind == "pause":
            await self.pause()
        elif kind == "step":
            await self.pause()
            if self.episode is None or self.episode.done:
                raise BadMessage("episode_done", "the episode is over; send reset")
            await self.advance()
        elif kind == "reset":
            await self.new_episode()
        elif kind == "speed":
            self.speed = _speed(value)
        elif kind == "stats":
            await self.send_frame({"type": "stats", "onnx_step_ms": list(self.step_ms), "server_ts": now_ms()})
            return
        elif kind == "maze":
            if str(value) not in self.mazes:
                raise BadMessage("not_found", f"unknown maze {value!r}")
            self.maze_id = str(value)
            await self.new_episode()
        elif kind == "model":
            if value is not None and (isinstance(value, bool) or not str(value).isdigit()):
                raise BadMessage("invalid", "model must be a model id (or null for the active model)")
            previous = self.model_choice
            self.model_choice = None if value is None else int(value)
            try:
                await self.new_episode()
            except BadMessage:
                self.model_choice = previous
                raise
        else:
            await super().handle(message)
        await self.send_state()


class TrainingConsumer(LimitedConsumer):
    """Streams a training run's progress rows (written by the worker) as they appear."""

    async def opened(self):
        self.run_id = _query(self.scope).get("run")
        user = self.scope.get("user")
        # The owner's and staff's only, like a job's log: anyone else's run "does not exist".
        run = (
            await database_sync_to_async(selectors.training_run_get)(self.run_id, user=user)
            if self.run_id and user is not None
            else None
        )
        if run is None:
            await self.send_error("not_found", "pass ?run=<the id of one of your training runs>")
            await self.close(code=CLOSE_NOT_FOUND)
            self.session.closed(CLOSE_NOT_FOUND)
            return
        self.streaming = True
        self.tasks.append(asyncio.create_task(self._stream()))

    def is_busy(self) -> bool:
        return self.streaming

    async def _stream(self):
        after, status = 0, None
        while True:
            rows = await database_sync_to_async(selectors.progress_after)(run_id=self.run_id, after_id=after)
            for row in rows:
                after = row.id
                await self.send_frame(
                    {
                        "type": "progress",
                        "episode": row.episode,
                        "timesteps": row.timesteps,
                        "reward": row.reward,
                        "loss": row.loss,
                        "success_rate": row.success_rate,
                        "server_ts": now_ms(),
                    }
                )
            run = await database_sync_to_async(selectors.training_run_get)(self.run_id, user=self.scope.get("user"))
            if run is None:  # the owner's account went, or lost staff: stop streaming
                self.streaming = False
                await self.close(code=CLOSE_NOT_FOUND)
                return
            if run.status != status:
                status = run.status
                await self.send_frame(
                    {
                        "type": "status",
                        "status": status,
                        "error": run.error,
                        "model_id": run.result_model_id,
                        "server_ts": now_ms(),
                    }
                )
            if status not in ACTIVE_TRAINING and not rows:
                self.streaming = False
                return
            await asyncio.sleep(settings.LB_TRAINING_POLL_S)

    async def handle(self, message: dict):
        if message["type"] == "ping":
            await self.send_frame({"type": "pong", "server_ts": now_ms()})
        else:
            await super().handle(message)
