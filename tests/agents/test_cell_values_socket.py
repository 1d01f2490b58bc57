"""/ws/inference streams the policy's per-cell values in each episode frame: every floor cell's
four action scores, equal to the policy's own output (onnxruntime on that cell's observation),
computed once per policy and maze."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _frames(query: str, kinds: tuple[str, ...], then: dict | None = None) -> list[dict]:
    ws = WebsocketCommunicator(
        application, f"/ws/inference{query}", headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")]
    )
    assert (await ws.connect())[0]
    wanted = list(kinds)
    found = []
    sent = False
    while wanted:
        frame = await ws.receive_json_from(timeout=10)
        if frame["type"] == wanted[0]:
            found.append(frame)
            wanted.pop(0)
        if then is not None and not sent and len(found) == 1:
            await ws.send_json_to(then)
            sent = True
    await ws.disconnect()
    return found


def _policy_scores(model, maze_id: str, cells: list[tuple[int, int]]) -> np.ndarray:
    """The policy's own output on those cells, straight from onnxruntime (no viewer code)."""
    import onnxruntime as ort

    from agents.episode import viewer_mazes
    from benchmarks.maze.env import MazeEnv

    maze = viewer_mazes(settings.LB_VIEWER_MAZES)[maze_id]
    env = MazeEnv(maze=maze)
    env.reset(options={"maze": maze})
    obs = np.stack([env.unwrapped.observation_at(cell) for cell in cells]).astype(np.float32)
    session = ort.InferenceSession(str(settings.LB_MODELS_DIR / model.file), providers=["CPUExecutionProvider"])
    return session.run(["action_scores"], {"obs": obs})[0]


def test_values_match_the_policy_for_three_cells(demo_model):
    from agents.cell_values import forget_values

    forget_values()
    [episode] = asyncio.run(_frames("?autoplay=0", ("episode",)))
    values = episode["values"]
    assert episode["model"]["id"] == demo_model.id and values["kind"] == "action_scores"
    floor = {(r, c) for r, row in enumerate(episode["grid"]) for c, ch in enumerate(row) if ch == "."}
    assert {(r, c) for r, c, _ in values["cells"]} == floor  # every floor cell, nothing else
    by_cell = {(r, c): scores for r, c, scores in values["cells"]}
    three = [tuple(episode["start"]), tuple(episode["goal"]), sorted(floor)[len(floor) // 2]]
    expected = _policy_scores(demo_model, episode["maze_id"], three)
    for cell, own in zip(three, expected):
        assert by_cell[cell] == pytest.approx(own.tolist(), abs=1e-4), cell
    best = [max(scores) for scores in by_cell.values()]
    assert values["min"] == pytest.approx(min(best), abs=1e-4) and values["max"] == pytest.approx(max(best), abs=1e-4)
    # The episode frame's arrows are the same policy's best actions.
    assert {(r, c): a for r, c, a in episode["arrows"]} == {
        cell: int(np.argmax(scores)) for cell, scores in by_cell.items()
    }


def test_values_are_computed_once_per_policy_and_maze(demo_model, depth_first_model):
    from agents import cell_values

    cell_values.forget_values()
    asyncio.run(_frames("?autoplay=0", ("episode",)))
    asyncio.run(_frames("?autoplay=0", ("episode",)))
    assert len(cell_values._cache) == 1  # the second socket read the first one's values
    # Switching the model streams that model's values (the arrows follow them).
    frames = asyncio.run(
        _frames("?autoplay=0", ("episode", "episode"), then={"type": "model", "value": depth_first_model.id})
    )
    assert frames[0]["model"]["id"] == demo_model.id and frames[1]["model"]["id"] == depth_first_model.id
    assert frames[0]["values"]["cells"] != frames[1]["values"]["cells"]
    assert len(cell_values._cache) == 2
