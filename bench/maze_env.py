"""Maze env throughput: steps per second, single Gymnasium env vs vectorised.

    .venv/bin/python bench/maze_env.py [--seconds 3] [--n-envs 1024]

Random actions; one process, one thread (target: >= 100k steps/s vectorised).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import gymnasium  # noqa: E402
import numpy as np  # noqa: E402

import benchmarks.maze  # noqa: E402,F401  (registers the env id)
from benchmarks.maze.mazes import generate_maze_set  # noqa: E402
from benchmarks.maze.vector import VectorMazeEnv  # noqa: E402


def single_env_rate(seconds: float) -> float:
    env = gymnasium.make("leaders_board/Maze-v0", mazes=generate_maze_set("bench", 0, 50))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for action in rng.integers(4, size=1000):
            _, _, terminated, truncated, _ = env.step(int(action))
            if terminated or truncated:
                env.reset()
        steps += 1000
    return steps / (time.perf_counter() - start)


def vector_env_rate(seconds: float, n_envs: int) -> float:
    env = VectorMazeEnv(generate_maze_set("bench", 0, 50), n_envs, seed=0)
    env.reset()
    rng = np.random.default_rng(0)
    actions = rng.integers(4, size=(64, n_envs))
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in actions:
            env.step(row)
        steps += actions.size
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--n-envs", type=int, default=1024)
    args = parser.parse_args()
    single = single_env_rate(args.seconds)
    vector = vector_env_rate(args.seconds, args.n_envs)
    print(f"single gymnasium env : {single:12,.0f} steps/s")
    print(f"vectorised ({args.n_envs} envs): {vector:12,.0f} steps/s  ({vector / single:.0f}x single)")


if __name__ == "__main__":
    main()
