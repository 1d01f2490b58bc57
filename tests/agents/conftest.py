"""Fixtures for the agents app: a models directory per test, registered policies."""

from __future__ import annotations

import onnx
import pytest
from onnx import TensorProto, helper


@pytest.fixture(autouse=True)
def models_dir(settings, tmp_path):
    settings.LB_MODELS_DIR = tmp_path / "models"
    settings.LB_VIEWER_MAZES = 5
    return settings.LB_MODELS_DIR


@pytest.fixture
def maze_served():
    """The maze benchmark in the registry (the test settings serve only the toy one), as a
    platform serving it would have it: agents/ asks it whether its jobs produce a policy."""
    from benchmarks import registry
    from benchmarks.maze.benchmark import MazeBenchmark

    served = "maze" in {benchmark.slug for benchmark in registry.all_benchmarks()}
    benchmark = registry.get("maze") if served else registry.register(MazeBenchmark())
    yield benchmark
    if not served:
        registry.unregister("maze")


@pytest.fixture
def demo_model(db):
    from agents.services import demo_model_ensure

    model, _ = demo_model_ensure()
    return model


@pytest.fixture
def depth_first_model(db, tmp_path):
    """A second, different policy: the reference depth-first rule as ONNX."""
    from agents.models import ModelSource
    from agents.services import model_register
    from benchmarks.maze.reference_policies import depth_first_policy

    path = depth_first_policy(tmp_path / "dfs.onnx")
    return model_register(path=path, name="depth-first", source=ModelSource.UPLOAD, metadata={"algorithm": "rule"})


def onnx_file(
    path, *, input_name="obs", output_name="action_scores", in_width=25, out_width=4, dtype=TensorProto.FLOAT
):
    """A linear ONNX model with the given names/shapes, for upload-validation tests."""
    import numpy as np

    weight = helper.make_tensor(
        "W",
        dtype,
        [in_width, out_width],
        np.zeros(in_width * out_width).astype(np.float32 if dtype == TensorProto.FLOAT else np.float64).tolist(),
    )
    graph = helper.make_graph(
        [helper.make_node("MatMul", [input_name, "W"], [output_name])],
        "linear",
        [helper.make_tensor_value_info(input_name, dtype, ["N", in_width])],
        [helper.make_tensor_value_info(output_name, dtype, ["N", out_width])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path
