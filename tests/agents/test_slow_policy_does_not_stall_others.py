"""A slow policy on one /ws/inference socket does not stall the others: inference runs in a thread pool
under a per-step deadline; the slow socket is told why and closed (4504), the rest keep their pace."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import onnx
import pytest
from channels.testing import WebsocketCommunicator
from onnx import TensorProto as T
from onnx import helper

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


def slow_policy(path, *, trips_per_unit: int):
    """A policy that honours the contract (obs [N, 25] -> action_scores [N, 4]) but first runs a Loop
    ``|sum(obs)| * trips_per_unit`` times (a 16x16 matmul each): instant on the all-zero probe that
    registration runs, about 20 s on the viewer's first frame (a whole maze's observations)."""
    body = helper.make_graph(
        [
            helper.make_node("MatMul", ["m_in", "B"], ["mm"]),
            helper.make_node("Tanh", ["mm"], ["m_out"]),
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", T.INT64, []),
            helper.make_tensor_value_info("cond_in", T.BOOL, []),
            helper.make_tensor_value_info("m_in", T.FLOAT, [16, 16]),
        ],
        [
            helper.make_tensor_value_info("cond_out", T.BOOL, []),
            helper.make_tensor_value_info("m_out", T.FLOAT, [16, 16]),
        ],
        initializer=[helper.make_tensor("B", T.FLOAT, [16, 16], (np.eye(16) * 0.5).flatten().tolist())],
    )
    nodes = [
        helper.make_node("ReduceSum", ["obs"], ["total"], keepdims=0),
        helper.make_node("Abs", ["total"], ["abs_total"]),
        helper.make_node("Mul", ["abs_total", "K"], ["scaled"]),
        helper.make_node("Cast", ["scaled"], ["trips"], to=T.INT64),
        helper.make_node("Loop", ["trips", "true", "M0"], ["m_final"], body=body),
        helper.make_node("ReduceSum", ["m_final"], ["m_sum"], keepdims=0),
        helper.make_node("Mul", ["m_sum", "zero"], ["nothing"]),  # ties the loop to the output
        helper.make_node("MatMul", ["obs", "W"], ["raw"]),
        helper.make_node("Add", ["raw", "nothing"], ["action_scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "slow",
        [helper.make_tensor_value_info("obs", T.FLOAT, ["N", 25])],
        [helper.make_tensor_value_info("action_scores", T.FLOAT, ["N", 4])],
        initializer=[
            helper.make_tensor("K", T.FLOAT, [], [float(trips_per_unit)]),
            helper.make_tensor("true", T.BOOL, [], [True]),
            helper.make_tensor("M0", T.FLOAT, [16, 16], np.ones(256).tolist()),
            helper.make_tensor("zero", T.FLOAT, [], [0.0]),
            helper.make_tensor("W", T.FLOAT, [25, 4], np.random.default_rng(0).normal(size=100).tolist()),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


async def _until(communicator, kind: str) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


@pytest.fixture
def slow_model(db, tmp_path):
    from agents.models import ModelSource
    from agents.services import model_register

    return model_register(
        path=slow_policy(tmp_path / "slow.onnx", trips_per_unit=10_000), name="slow", source=ModelSource.UPLOAD
    )


def test_a_slow_policy_is_cut_off_and_the_other_socket_keeps_flowing(demo_model, slow_model, settings):
    settings.LB_VIEWER_STEP_TIMEOUT_S = 1.0

    async def scenario():
        slow = WebsocketCommunicator(application, f"/ws/inference?model={slow_model.id}&autoplay=0", headers=HEADERS)
        assert (await slow.connect(timeout=5))[0]
        opened = time.monotonic()
        fast = WebsocketCommunicator(application, "/ws/inference?autoplay=0", headers=HEADERS)
        assert (await fast.connect(timeout=5))[0]
        assert (await _until(fast, "episode"))["type"] == "episode"
        answered = []  # how long each "step" took to come back while the slow policy ran
        while time.monotonic() - opened < 2.5:  # through the slow socket's whole deadline and past it
            asked = time.monotonic()
            await fast.send_json_to({"type": "step"})
            frame = await _until(fast, "step")
            answered.append(time.monotonic() - asked)
            if frame["done"]:
                await fast.send_json_to({"type": "reset"})
                await _until(fast, "episode")
        error = await slow.receive_json_from(timeout=5)
        closed = await slow.receive_output(timeout=5)
        cut_off_after = time.monotonic() - opened
        await fast.disconnect()
        return answered, error, closed, cut_off_after

    answered, error, closed, cut_off_after = asyncio.run(scenario())
    assert error["error"] == "inference_timeout" and "1 s" in error["detail"]
    assert closed == {"type": "websocket.close", "code": 4504}
    assert cut_off_after < 6  # the deadline, not the policy's 20 s
    # Every step the other socket asked for came back at once while the slow policy ran.
    assert len(answered) >= 20 and max(answered) < 0.5, (len(answered), max(answered))


def test_the_pool_thread_is_given_back_after_a_timeout(demo_model, slow_model, settings):
    """onnxruntime's terminate flag stops the cut-off run, so one thread is enough for the next socket."""
    settings.LB_VIEWER_STEP_TIMEOUT_S = 1.0
    from agents import consumers

    consumers._pool.clear()
    settings.LB_VIEWER_INFERENCE_THREADS = 1

    async def scenario():
        slow = WebsocketCommunicator(application, f"/ws/inference?model={slow_model.id}&autoplay=0", headers=HEADERS)
        assert (await slow.connect(timeout=5))[0]
        assert (await slow.receive_json_from(timeout=5))["error"] == "inference_timeout"
        started = time.monotonic()
        fast = WebsocketCommunicator(application, "/ws/inference?autoplay=0", headers=HEADERS)
        assert (await fast.connect(timeout=5))[0]
        episode = await fast.receive_json_from(timeout=5)
        await fast.disconnect()
        return episode, time.monotonic() - started

    try:
        episode, waited = asyncio.run(scenario())
    finally:
        consumers._pool.clear()
    assert episode["type"] == "episode" and waited < 3
