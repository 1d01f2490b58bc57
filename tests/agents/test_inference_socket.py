"""/ws/inference through Channels' WebsocketCommunicator: frames, controls, model switching, limits."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

STEP_KEYS = {
    "type",
    "step",
    "position",
    "action",
    "action_scores",
    "reward",
    "cumulative_reward",
    "done",
    "success",
    "server_ts",
}


async def _open(query: str = ""):
    communicator = WebsocketCommunicator(
        application, f"/ws/inference{query}", headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _until(communicator, kind: str, timeout: float = 5.0) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


def run(coro):
    return asyncio.run(coro)


def test_default_socket_plays_the_active_model_to_the_goal(demo_model):
    async def scenario():
        ws = await _open("?speed=60")
        start = await _until(ws, "episode")
        assert start["model"]["id"] == demo_model.id
        assert len(start["grid"]) == 10 and all(len(row) == 10 for row in start["grid"])
        floor = {(r, c) for r, row in enumerate(start["grid"]) for c, ch in enumerate(row) if ch == "."}
        assert {(r, c) for r, c, _ in start["arrows"]} == floor
        assert all(a in (0, 1, 2, 3) for _, _, a in start["arrows"])
        frames = []
        while not frames or not frames[-1]["done"]:
            frames.append(await _until(ws, "step"))
        await ws.disconnect()
        return start, frames

    start, frames = run(scenario())
    assert all(set(f) == STEP_KEYS for f in frames)
    assert [f["step"] for f in frames] == list(range(1, len(frames) + 1))
    assert all(
        len(f["action_scores"]) == 4 and f["action"] == max(range(4), key=f["action_scores"].__getitem__)
        for f in frames
    )
    assert frames[-1]["success"] and frames[-1]["position"] == start["goal"]
    assert frames[-1]["cumulative_reward"] == pytest.approx(sum(f["reward"] for f in frames), abs=1e-3)
    from agents.models import EpisodeLog

    log = EpisodeLog.objects.get()
    assert (log.model_id, log.maze_id, log.steps, log.success) == (demo_model.id, start["maze_id"], len(frames), True)


def test_pause_step_reset_and_speed(demo_model):
    async def scenario():
        ws = await _open("?autoplay=0")
        start = await _until(ws, "episode")
        assert await ws.receive_nothing(timeout=0.3)  # paused: no step frames
        await ws.send_json_to({"type": "step"})
        first = await _until(ws, "step")
        assert first["step"] == 1
        await _until(ws, "state")  # every control is answered with the socket's state
        await ws.send_json_to({"type": "speed", "value": 40})
        state = await _until(ws, "state")
        assert state["speed"] == 40 and state["playing"] is False
        await ws.send_json_to({"type": "play"})
        seen = [await _until(ws, "step") for _ in range(3)]
        await ws.send_json_to({"type": "pause"})
        await _until(ws, "state")
        # Drain frames already in flight, then nothing more arrives.
        while not await ws.receive_nothing(timeout=0.3):
            await ws.receive_json_from()
        await ws.send_json_to({"type": "reset"})
        again = await _until(ws, "episode")
        await ws.disconnect()
        return start, first, seen, again

    start, first, seen, again = run(scenario())
    assert [f["step"] for f in seen] == [2, 3, 4]
    assert again["position"] == start["start"] and again["maze_id"] == start["maze_id"]


def test_maze_control_switches_maze_and_unknown_maze_is_an_error(demo_model):
    async def scenario():
        ws = await _open("?autoplay=0")
        first = await _until(ws, "episode")
        await ws.send_json_to({"type": "maze", "value": "train-0003"})
        second = await _until(ws, "episode")
        await ws.send_json_to({"type": "maze", "value": "eval-0001"})
        error = await _until(ws, "error")
        await ws.send_json_to({"type": "step"})  # the socket still works
        step = await _until(ws, "step")
        await ws.disconnect()
        return first, second, error, step

    first, second, error, step = run(scenario())
    assert first["maze_id"] == "train-0000" and second["maze_id"] == "train-0003"
    assert second["grid"] != first["grid"]
    assert error["error"] == "not_found" and step["step"] == 1


def test_bad_messages_get_error_frames_and_keep_the_socket(demo_model):
    bad = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"no": "type"}),
        json.dumps({"type": "fly"}),
        json.dumps({"type": "speed", "value": "fast"}),
        json.dumps({"type": "speed", "value": 10_000}),
        json.dumps({"type": "model", "value": "x"}),
        json.dumps({"type": "model", "value": 999_999}),
    ]

    async def scenario():
        ws = await _open("?autoplay=0")
        await _until(ws, "episode")
        errors = []
        for text in bad:
            await ws.send_to(text_data=text)
            errors.append(await _until(ws, "error"))
        await ws.send_json_to({"type": "step"})
        step = await _until(ws, "step")
        await ws.disconnect()
        return errors, step

    errors, step = run(scenario())
    assert [e["error"] for e in errors] == [
        "invalid_json",
        "invalid",
        "invalid",
        "unknown_type",
        "invalid",
        "invalid",
        "invalid",
        "not_found",
    ]
    assert all(e["detail"] for e in errors)
    assert step["step"] == 1


def test_model_control_and_active_switch_apply_on_next_episode(demo_model, depth_first_model):
    from agents.services import model_activate

    async def scenario():
        ws = await _open("?autoplay=0")
        first = await _until(ws, "episode")
        await ws.send_json_to({"type": "model", "value": depth_first_model.id})
        chosen = await _until(ws, "episode")
        await ws.send_json_to({"type": "model", "value": None})  # follow the active model again
        following = await _until(ws, "episode")
        await asyncio.get_running_loop().run_in_executor(None, lambda: model_activate(model_id=depth_first_model.id))
        await ws.send_json_to({"type": "step"})
        step = await _until(ws, "step")  # the running episode keeps its model...
        await ws.send_json_to({"type": "reset"})
        after_reset = await _until(ws, "episode")  # ...the next one uses the new active model
        await ws.disconnect()
        return first, chosen, following, step, after_reset

    first, chosen, following, step, after_reset = run(scenario())
    assert first["model"]["id"] == demo_model.id
    assert chosen["model"]["id"] == depth_first_model.id
    assert following["model"]["id"] == demo_model.id
    assert step["step"] == 1
    assert after_reset["model"]["id"] == depth_first_model.id


def test_viewers_get_independent_episodes(demo_model):
    async def scenario():
        a, b = await _open("?autoplay=0"), await _open("?autoplay=0&maze=train-0002")
        ea, eb = await _until(a, "episode"), await _until(b, "episode")
        for _ in range(3):
            await a.send_json_to({"type": "step"})
            await _until(a, "step")
        await b.send_json_to({"type": "step"})
        sb = await _until(b, "step")
        await a.disconnect()
        await b.disconnect()
        return ea, eb, sb

    ea, eb, sb = run(scenario())
    assert ea["maze_id"] == "train-0000" and eb["maze_id"] == "train-0002"
    assert sb["step"] == 1  # a's steps did not advance b's episode


def test_connection_cap(demo_model, settings):
    settings.LB_WS_MAX_CONNECTIONS = 2

    async def scenario():
        first, second = await _open("?autoplay=0"), await _open("?autoplay=0")
        third = await _open("?autoplay=0")
        refused = await third.receive_json_from(timeout=2)
        closed = await third.receive_output(timeout=2)
        await first.disconnect()
        await asyncio.sleep(0.05)
        fourth = await _open("?autoplay=0")
        accepted = await _until(fourth, "episode")
        await second.disconnect()
        await fourth.disconnect()
        return refused, closed, accepted

    refused, closed, accepted = run(scenario())
    assert refused["error"] == "limit_exceeded"
    assert closed == {"type": "websocket.close", "code": 4429}
    assert accepted["type"] == "episode"


def test_idle_timeout_closes_a_paused_socket(demo_model, settings):
    settings.LB_WS_IDLE_TIMEOUT_S = 0.4

    async def scenario():
        ws = await _open("?autoplay=0")
        await _until(ws, "episode")
        error = await _until(ws, "error", timeout=3)
        closed = await ws.receive_output(timeout=3)
        return error, closed

    error, closed = run(scenario())
    assert error["error"] == "idle_timeout"
    assert closed == {"type": "websocket.close", "code": 4408}


def test_no_active_model_is_an_error_frame(db):
    async def scenario():
        ws = await _open()
        frame = await ws.receive_json_from(timeout=3)
        await ws.disconnect()
        return frame

    assert run(scenario())["error"] == "no_model"


def test_stats_reports_inference_times_and_session_is_logged(demo_model, caplog):
    async def scenario():
        ws = await _open("?autoplay=0")
        await _until(ws, "episode")
        for _ in range(3):
            await ws.send_json_to({"type": "step"})
            await _until(ws, "step")
        await ws.send_json_to({"type": "fly"})
        await _until(ws, "error")
        await ws.send_json_to({"type": "stats"})
        stats = await _until(ws, "stats")
        await ws.disconnect()
        await asyncio.sleep(0.05)
        return stats

    from core.logcontext import json_formatter

    with caplog.at_level("INFO", logger="access"):
        stats = run(scenario())
    assert len(stats["onnx_step_ms"]) == 3 and all(0 < t < 1000 for t in stats["onnx_step_ms"])
    sessions = [
        json.loads(json_formatter().format(r)) for r in caplog.records if getattr(r, "event", "") == "ws_session"
    ]
    assert len(sessions) == 1
    session = sessions[0]
    assert session["model_id"] == demo_model.id and session["errors"] == 1 and session["path"] == "/ws/inference"
    assert session["request_id"] and session["duration_ms"] > 0 and session["ws_connections"] == 0
