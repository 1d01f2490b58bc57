"""Scoring an ONNX policy on hidden mazes: episodes, metrics, timing, pictures."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.base import ScoringError
from benchmarks.maze import render
from benchmarks.maze.mazes import Maze
from benchmarks.maze.policy import POLICY_FILE, run_scores
from benchmarks.maze.rollout import Episodes, run_episodes

TIMED_STEPS = 300  # single-observation calls timed for inference_time_ms


@dataclass
class PolicyRun:
    episodes: Episodes
    timing_ms: np.ndarray  # single-observation step latencies


def make_actor(session, sampling: str, seed: int, keep: list[np.ndarray]):
    """Batch policy: argmax (greedy) or a seeded draw from softmax(scores).
    Keeps a sample of the observations it saw in ``keep`` for timing."""
    rng = np.random.default_rng(seed)

    def act(obs: np.ndarray) -> np.ndarray:
        if sum(len(k) for k in keep) < TIMED_STEPS:
            keep.append(obs[: TIMED_STEPS // 10])
        scores = run_scores(session, obs)
        if sampling == "greedy":
            return scores.argmax(axis=1)
        shifted = scores.astype(np.float64) - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        draws = rng.random((len(obs), 1))
        return np.minimum((probs.cumsum(axis=1) < draws).sum(axis=1), 3)

    return act


def time_single_steps(session, observations: np.ndarray) -> np.ndarray:
    """Latency (ms) of one-observation calls; also checks that a policy scores
    each observation on its own (same answer alone as inside a batch)."""
    batch_scores = run_scores(session, observations)
    latencies = np.empty(len(observations))
    for i, obs in enumerate(observations):
        start = time.perf_counter()
        single = run_scores(session, obs[None, :])
        latencies[i] = (time.perf_counter() - start) * 1000.0
        if not np.allclose(single[0], batch_scores[i], rtol=1e-4, atol=1e-4):
            raise ScoringError(
                f"{POLICY_FILE}: scores for an observation change with the rest of the "
                "batch; each row of 'obs' must be scored independently"
            )
    return latencies


def run_policy(
    session, sampling: str, mazes: Sequence[Maze], episodes_per_maze: int, seed: int, record: Sequence[int] = ()
) -> PolicyRun:
    kept: list[np.ndarray] = []
    episodes = run_episodes(make_actor(session, sampling, seed, kept), mazes, episodes_per_maze, record)
    observations = np.concatenate(kept)[:TIMED_STEPS]
    return PolicyRun(episodes, time_single_steps(session, observations))


def part_metrics(
    episodes: Episodes, mazes: Sequence[Maze], maze_rows: np.ndarray, p95_ms: float
) -> tuple[dict[str, float], np.ndarray]:
    """Metrics over the episodes of mazes ``maze_rows``; and per-maze success fractions."""
    chosen = np.isin(episodes.maze_index, maze_rows)
    success = episodes.success[chosen]
    steps = episodes.steps[chosen]
    shortest = np.array([mazes[m].shortest_path_length for m in episodes.maze_index[chosen]])
    metrics = {
        "success_rate": float(success.mean()),
        "mean_reward": float(episodes.total_reward[chosen].mean()),
        "path_efficiency": float((shortest[success] / steps[success]).mean()) if success.any() else 0.0,
        "inference_time_ms": float(p95_ms),
    }
    if success.any():  # undefined without a success: left out rather than NaN
        metrics["mean_steps"] = float(steps[success].mean())
    per_maze = np.array([episodes.success[episodes.maze_index == m].mean() for m in maze_rows])
    return metrics, per_maze


def success_chart(path: Path, maze_ids: Sequence[str], per_maze: np.ndarray) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, len(maze_ids) * 0.09), 3.2), dpi=100)
    ax.bar(range(len(maze_ids)), per_maze, color=["#3a7" if v >= 0.999 else "#d84" for v in per_maze])
    failed = np.flatnonzero(per_maze == 0)  # zero-height bars are invisible: mark them
    ax.scatter(failed, np.full(len(failed), 0.03), marker="x", color="#c33")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"hidden maze (public part, {len(maze_ids)} mazes)")
    ax.set_ylabel("success fraction")
    ax.set_title(f"Success per maze: mean {per_maze.mean():.1%}  (× never solved)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def trajectory_picture(path: Path, maze: Maze, trajectory: list[tuple[int, int]], success: bool) -> Path:
    from PIL import Image

    image = render.rgb(maze.grid, trajectory[-1], maze.start, maze.goal, {}, path=trajectory, cell_px=24)
    # A frame says how the episode ended: green reached the goal, red ran out of steps.
    framed = np.empty((image.shape[0] + 8, image.shape[1] + 8, 3), dtype=np.uint8)
    framed[:] = (60, 170, 90) if success else (200, 50, 50)
    framed[4:-4, 4:-4] = image
    image = framed
    Image.fromarray(image).save(path)
    return path
