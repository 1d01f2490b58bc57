"""Training from a config: MLflow metrics, ONNX export matching SB3, progress hook."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import onnxruntime as ort
import pytest

from benchmarks.maze.mazes import generate_maze_set
from benchmarks.maze.onnx_export import sb3_scores
from benchmarks.maze.train import sample_observations, train

TINY = {
    "total_timesteps": 4096,
    "n_envs": 8,
    "log_every_steps": 1024,
    "maze_set": {"count": 10},
    "mlflow": {"experiment": "maze-test"},
}


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["ppo", "dqn"])
def test_tiny_training_logs_metrics_and_exports_a_matching_onnx(tmp_path, algorithm, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    reports = []
    config = {**TINY, "algorithm": algorithm, "dqn": {"learning_starts": 500}}
    result = train(config, models_dir=tmp_path, on_progress=reports.append)

    # ONNX contract and agreement with SB3, checked here independently of train().
    session = ort.InferenceSession(str(result.onnx_path))
    assert [i.name for i in session.get_inputs()] == ["obs"]
    assert [o.name for o in session.get_outputs()] == ["action_scores"]
    obs = sample_observations(generate_maze_set("t", 5, 5), 2000, seed=3)
    scores = session.run(None, {"obs": obs})[0]
    assert scores.shape == (2000, 4) and scores.dtype == np.float32
    assert result.metadata["onnx_check"]["argmax_mismatches"] == 0
    assert result.metadata["onnx_check"]["max_abs_diff"] <= 1e-5

    sidecar = json.loads(result.sidecar_path.read_text())
    assert sidecar["algorithm"] == algorithm and sidecar["obs_encoding_version"] == "recency-log-v1"
    assert {"trained_at", "success_rate", "maze_set"} <= set(sidecar)

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}")
    run = client.get_run(result.mlflow_run_id)
    assert run.data.tags["algorithm"] == algorithm
    assert run.data.params["algorithm"] == algorithm and run.data.params["n_envs"] == "8"
    for name in ("reward", "episode_length", "loss", "success_rate"):
        assert client.get_metric_history(result.mlflow_run_id, name), name
    assert result.registered_version == "1"

    assert reports and {"episode", "reward", "loss", "success_rate"} <= set(reports[-1])
    assert reports[-1]["timesteps"] >= 4096


@pytest.mark.slow
def test_onnx_scores_equal_sb3_scores_after_tiny_training(tmp_path):
    from stable_baselines3 import PPO

    from benchmarks.maze.onnx_export import export_onnx
    from benchmarks.maze.sb3_env import Sb3MazeVecEnv

    mazes = generate_maze_set("t", 9, 5)
    model = PPO("MlpPolicy", Sb3MazeVecEnv(mazes, 4), n_steps=64, batch_size=64, seed=0)
    model.learn(512)
    path = export_onnx(model, "ppo", tmp_path / "p.onnx")
    obs = sample_observations(mazes, 3000, seed=1)
    logits = ort.InferenceSession(str(path)).run(None, {"obs": obs})[0]
    log_probs = logits - logits.max(1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
    np.testing.assert_allclose(log_probs, sb3_scores(model, "ppo", obs), atol=1e-5)
    np.testing.assert_array_equal(logits.argmax(1), model.predict(obs, deterministic=True)[0])


@pytest.mark.slow
def test_stop_requested_ends_training_early(tmp_path):
    result = train(
        {**TINY, "algorithm": "ppo", "total_timesteps": 100_000},
        models_dir=tmp_path,
        use_mlflow=False,
        stop_requested=lambda: True,
    )
    assert result.stopped_early and result.timesteps < 100_000
    assert result.onnx_path.is_file()
