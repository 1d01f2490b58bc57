"""Maze-navigation benchmark: a Gymnasium maze, PPO/DQN training, ONNX policies.

``import benchmarks.maze`` registers the Gymnasium id ``leaders_board/Maze-v0``.
The platform registers the benchmark with the spec ``"benchmarks.maze:benchmarks"``.
See ``docs/benchmarks/maze.md``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.maze.engine import OBS_ENCODING_VERSION  # noqa: F401  (re-export)

ENV_ID = "leaders_board/Maze-v0"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

try:  # the scorer and the registry need no gymnasium; only the env does
    import gymnasium
except ImportError:  # pragma: no cover - web processes installed without the worker extras
    gymnasium = None
if gymnasium is not None and ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="benchmarks.maze.env:MazeEnv")


def benchmarks(**options) -> list:
    """Factory for the platform's registry: one benchmark, slug ``maze``.

    Options (all optional) are passed to :class:`~benchmarks.maze.benchmark.MazeBenchmark`.
    """
    from benchmarks.maze.benchmark import MazeBenchmark

    return [MazeBenchmark(**options)]


def demo_policy_path() -> Path:
    """A small ONNX policy trained by this project (sidecar JSON next to it)."""
    return ASSETS_DIR / "demo_policy.onnx"
