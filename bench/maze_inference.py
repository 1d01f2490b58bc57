"""Single-observation onnxruntime step latency for a maze policy (target p95 < 1 ms).

    .venv/bin/python bench/maze_inference.py [--policy PATH] [--steps 5000]

Default policy: the shipped demo policy. Observations come from real episodes
(the policy driving the env), one ``session.run`` per step, CPU, one thread.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

from benchmarks.maze import demo_policy_path  # noqa: E402
from benchmarks.maze.env import MazeEnv  # noqa: E402
from benchmarks.maze.mazes import generate_maze_set  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policy", type=Path, default=demo_policy_path())
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(args.policy), options, providers=["CPUExecutionProvider"])
    env = MazeEnv(mazes=generate_maze_set("bench", 5000, 50))
    obs, _ = env.reset(seed=0)
    for _ in range(100):  # warm-up
        session.run(["action_scores"], {"obs": obs[None, :]})
    latencies = np.empty(args.steps)
    for i in range(args.steps):
        start = time.perf_counter()
        scores = session.run(["action_scores"], {"obs": obs[None, :]})[0]
        latencies[i] = (time.perf_counter() - start) * 1000.0
        obs, _, terminated, truncated, _ = env.step(int(scores.argmax()))
        if terminated or truncated:
            obs, _ = env.reset()
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    print(f"policy: {args.policy}")
    print(
        f"onnxruntime single-observation step over {args.steps} steps: "
        f"p50 {p50:.3f} ms  p95 {p95:.3f} ms  p99 {p99:.3f} ms  (target p95 < 1 ms)"
    )


if __name__ == "__main__":
    main()
