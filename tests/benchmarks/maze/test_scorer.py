"""The maze scorer: output-contract checks, metrics, split, artifacts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import benchmarks.maze as maze_package
from benchmarks.base import ScoringError
from benchmarks.maze.benchmark import EVAL_FILE, SPLIT_FILE, TRAIN_FILE, MazeBenchmark
from benchmarks.maze.reference_policies import depth_first_policy, uniform_policy


@pytest.fixture(scope="module")
def bench() -> MazeBenchmark:
    return MazeBenchmark(train_count=20, eval_count=40, episodes_per_maze=2)


@pytest.fixture(scope="module")
def data_dirs(bench, tmp_path_factory):
    root = tmp_path_factory.mktemp("maze-data")
    bench.prepare(root / "public", root / "hidden")
    return root / "public", root / "hidden"


def linear_policy(
    path: Path, input_name="obs", output_name="action_scores", dtype=TensorProto.FLOAT, n_in=25, n_out=4
) -> Path:
    weights = np.zeros((n_in, n_out), dtype=np.float32 if dtype == TensorProto.FLOAT else np.float64)
    graph = helper.make_graph(
        [helper.make_node("MatMul", [input_name, "w"], [output_name])],
        "linear",
        [helper.make_tensor_value_info(input_name, dtype, ["N", n_in])],
        [helper.make_tensor_value_info(output_name, dtype, ["N", n_out])],
        [numpy_helper.from_array(weights, "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def score(bench, data_dirs, out: Path, tmp_path: Path):
    return bench.score(out, data_dirs[1], artifact_dir=tmp_path / "artifacts")


def test_factory_returns_one_benchmark_named_maze():
    found = maze_package.benchmarks()
    assert [b.slug for b in found] == ["maze"]
    assert found[0].primary_metric == "success_rate" and found[0].higher_is_better


def test_prepare_is_idempotent_and_splits_hidden_mazes_in_half(bench, data_dirs):
    public, hidden = data_dirs
    before = {p.name: p.read_bytes() for p in [public / TRAIN_FILE, hidden / EVAL_FILE, hidden / SPLIT_FILE]}
    bench.prepare(public, hidden)
    assert before == {p.name: p.read_bytes() for p in [public / TRAIN_FILE, hidden / EVAL_FILE, hidden / SPLIT_FILE]}
    split = json.loads((hidden / SPLIT_FILE).read_text())
    assert len(split["public"]) == len(split["private"]) == 20
    assert not set(split["public"]) & set(split["private"])
    train_grids = {tuple(m["grid"]) for m in json.loads((public / TRAIN_FILE).read_text())["mazes"]}
    eval_grids = {tuple(m["grid"]) for m in json.loads((hidden / EVAL_FILE).read_text())["mazes"]}
    assert not train_grids & eval_grids
    assert not any(p.name in (EVAL_FILE, SPLIT_FILE) for p in public.iterdir())


def test_depth_first_policy_beats_a_random_walk(bench, data_dirs, tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    depth_first_policy(good / "policy.onnx")
    uniform_policy(bad / "policy.onnx")
    (bad / "policy.json").write_text(json.dumps({"sampling": "softmax"}))
    perfect = score(bench, data_dirs, good, tmp_path / "g")
    random = score(bench, data_dirs, bad, tmp_path / "b")
    assert perfect.metrics["success_rate"] == 1.0 and perfect.private_metrics["success_rate"] == 1.0
    assert random.metrics["success_rate"] < 0.2
    assert perfect.metrics["mean_reward"] > random.metrics["mean_reward"]
    assert 0 < perfect.metrics["path_efficiency"] <= 1.0
    assert perfect.metrics["mean_steps"] >= 1
    assert perfect.metrics["inference_time_ms"] > 0
    assert perfect.items["value"].shape == (20,) and (perfect.items["value"] == 1.0).all()
    assert perfect.private_items["value"].shape == (20,)


def test_metrics_follow_their_definitions_for_the_depth_first_policy(bench, data_dirs, tmp_path):
    from benchmarks.maze.mazes import load_maze_set
    from benchmarks.maze.rollout import run_episodes

    out = tmp_path / "out"
    out.mkdir()
    depth_first_policy(out / "policy.onnx")
    result = score(bench, data_dirs, out, tmp_path)
    hidden = data_dirs[1]
    mazes = {m.id: m for m in load_maze_set(hidden / EVAL_FILE)}
    public = [mazes[i] for i in json.loads((hidden / SPLIT_FILE).read_text())["public"]]
    import onnxruntime as ort

    session = ort.InferenceSession(str(out / "policy.onnx"))
    episodes = run_episodes(lambda obs: session.run(None, {"obs": obs})[0].argmax(1), public)
    expected_efficiency = np.mean([m.shortest_path_length / s for m, s in zip(public, episodes.steps)])
    assert result.metrics["mean_steps"] == pytest.approx(episodes.steps.mean())
    assert result.metrics["path_efficiency"] == pytest.approx(expected_efficiency)
    assert result.metrics["mean_reward"] == pytest.approx(episodes.total_reward.mean(), abs=1e-4)


def test_artifacts_are_pngs_of_public_mazes_only(bench, data_dirs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    depth_first_policy(out / "policy.onnx")
    result = score(bench, data_dirs, out, tmp_path)
    public_ids = set(json.loads((data_dirs[1] / SPLIT_FILE).read_text())["public"])
    names = [p.name for p in result.artifacts]
    assert "success_per_maze.png" in names
    trajectories = [n for n in names if n.startswith("trajectory_")]
    assert trajectories and all(n[len("trajectory_") : -4] in public_ids for n in trajectories)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in result.artifacts)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_name": "observation"}, "input named 'obs'"),
        ({"output_name": "logits"}, "output named 'action_scores'"),
        ({"n_in": 24}, "shape [N, 25]"),
        ({"n_out": 5}, "shape [N, 4]"),
        ({"dtype": TensorProto.DOUBLE}, "float32"),
    ],
)
def test_malformed_policies_are_rejected_with_a_clear_message(bench, data_dirs, tmp_path, kwargs, message):
    out = tmp_path / "out"
    out.mkdir()
    linear_policy(out / "policy.onnx", **kwargs)
    with pytest.raises(ScoringError, match="policy.onnx") as caught:
        score(bench, data_dirs, out, tmp_path)
    assert message in str(caught.value)


def test_a_file_that_is_not_onnx_is_rejected(bench, data_dirs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "policy.onnx").write_bytes(b"this is not a protobuf")
    with pytest.raises(ScoringError, match="policy.onnx: not a loadable ONNX model"):
        score(bench, data_dirs, out, tmp_path)


def test_missing_policy_is_rejected(bench, data_dirs, tmp_path):
    with pytest.raises(ScoringError, match="policy.onnx: missing"):
        score(bench, data_dirs, tmp_path, tmp_path)


def test_symlinked_policy_is_refused_not_followed(bench, data_dirs, tmp_path):
    real = depth_first_policy(tmp_path / "elsewhere.onnx")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(real, out / "policy.onnx")
    with pytest.raises(ScoringError, match="policy.onnx: is a symbolic link"):
        score(bench, data_dirs, out, tmp_path)


def test_bad_sampling_declaration_is_rejected(bench, data_dirs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    depth_first_policy(out / "policy.onnx")
    (out / "policy.json").write_text(json.dumps({"sampling": "epsilon"}))
    with pytest.raises(ScoringError, match="policy.json: 'sampling'"):
        score(bench, data_dirs, out, tmp_path)


def test_demo_policy_is_shipped_with_its_sidecar():
    path = maze_package.demo_policy_path()
    assert path.is_file() and path.suffix == ".onnx"
    meta = json.loads(path.with_suffix(".json").read_text())
    assert {"algorithm", "trained_at", "success_rate", "maze_set", "obs_encoding_version"} <= set(meta)
