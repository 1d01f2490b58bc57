"""Hand-built ONNX policies (no training): references for tests and docs.

* :func:`depth_first_policy` — the depth-first rule the observation encoding
  was designed for: step onto the goal if adjacent, else onto the open
  neighbour with the lowest value (unvisited 0.0 first, then the least
  recently visited). It solves every perfect maze within the step limit.
* :func:`uniform_policy` — equal scores for all actions: with
  ``sampling: softmax`` a uniformly random walk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from benchmarks.maze.policy import INPUT_NAME, OUTPUT_NAME

# Window indices of the cells above, below, left and right of the centre (12).
NEIGHBOUR_INDICES = (7, 17, 11, 13)


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="leaders-board")
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _io() -> tuple[onnx.ValueInfoProto, onnx.ValueInfoProto]:
    return (
        helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", 25]),
        helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 4]),
    )


def depth_first_policy(path: Path) -> Path:
    const = lambda name, value: numpy_helper.from_array(np.asarray(value), name)  # noqa: E731
    nodes = [
        helper.make_node("Gather", [INPUT_NAME, "idx"], ["nb"], axis=1),
        helper.make_node("Less", ["nb", "wall_below"], ["is_wall"]),
        helper.make_node("Greater", ["nb", "goal_above"], ["is_goal"]),
        helper.make_node("Neg", ["nb"], ["prefer_low"]),
        helper.make_node("Where", ["is_wall", "worst", "prefer_low"], ["no_walls"]),
        helper.make_node("Where", ["is_goal", "best", "no_walls"], [OUTPUT_NAME]),
    ]
    inits = [
        const("idx", np.array(NEIGHBOUR_INDICES, np.int64)),
        const("wall_below", np.float32(-0.5)),
        const("goal_above", np.float32(0.9)),
        const("worst", np.float32(-10.0)),
        const("best", np.float32(10.0)),
    ]
    obs, scores = _io()
    return _save(helper.make_graph(nodes, "depth_first_rule", [obs], [scores], inits), path)


def uniform_policy(path: Path) -> Path:
    nodes = [helper.make_node("MatMul", [INPUT_NAME, "zeros"], [OUTPUT_NAME])]
    inits = [numpy_helper.from_array(np.zeros((25, 4), np.float32), "zeros")]
    obs, scores = _io()
    return _save(helper.make_graph(nodes, "uniform", [obs], [scores], inits), path)
