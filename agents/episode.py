"""One viewer episode: a maze env stepped by an ONNX policy, as JSON-ready frames.

Kept free of Django and asyncio so it is cheap to test and to time."""

from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

from agents.policies import Policy
from benchmarks.maze.engine import MAX_STEPS

VIEWER_SET_SEED = 1000  # the public training mazes (benchmark seeds 1000..1499); never the hidden ones


@lru_cache(maxsize=4)
def viewer_mazes(count: int) -> dict:
    """Maze id -> Maze: the first ``count`` public training mazes, regenerated
    from their seeds (identical to ``train_mazes.json``), so no hidden maze can show up."""
    from benchmarks.maze.mazes import generate_maze_set

    return {m.id: m for m in generate_maze_set("train", VIEWER_SET_SEED, count)}


def now_ms() -> float:
    return round(time.time() * 1000.0, 3)


class Episode:
    def __init__(self, policy: Policy, maze, *, sampling: str = "greedy", seed: int = 0):
        from benchmarks.maze.env import MazeEnv

        self.policy = policy
        self.maze = maze
        self.sampling = sampling
        self.rng = np.random.default_rng(seed)
        self.env = MazeEnv(maze=maze)
        self.obs, _ = self.env.reset(options={"maze": maze})
        self.cumulative_reward = 0.0
        self.done = False
        self.success = False
        self.step_seconds: list[float] = []  # onnxruntime time per step (the "stats" message reports it)

    def start_frame(self, run_options=None) -> dict:
        env = self.env.unwrapped
        cells = env.floor_cells()
        actions = self.policy.scores(env.observations_at(cells), run_options).argmax(axis=1)
        return {
            "type": "episode",
            "maze_id": self.maze.id,
            "grid": ["".join("#" if v else "." for v in row) for row in env.grid],
            "start": list(env.start),
            "goal": list(env.goal),
            "position": list(env.position),
            "max_steps": MAX_STEPS,
            "shortest_path_length": self.maze.shortest_path_length,
            "arrows": [[r, c, int(a)] for (r, c), a in zip(cells, actions)],
            "server_ts": now_ms(),
        }

    def _choose(self, scores: np.ndarray) -> int:
        if self.sampling == "softmax":
            p = np.exp(scores - scores.max())
            return int(self.rng.choice(len(p), p=p / p.sum()))
        return int(scores.argmax())

    def step_frame(self, run_options=None) -> dict:
        """Advance one step (the caller checks ``done`` first)."""
        t0 = time.perf_counter()
        scores = self.policy.scores(self.obs[None, :], run_options)[0]
        self.step_seconds.append(time.perf_counter() - t0)
        action = self._choose(scores)
        self.obs, reward, terminated, truncated, info = self.env.step(action)
        self.cumulative_reward += reward
        self.done = bool(terminated or truncated)
        self.success = bool(info["success"])
        return {
            "type": "step",
            "step": int(info["steps"]),
            "position": list(info["position"]),
            "action": action,
            "action_scores": [round(float(s), 4) for s in scores],
            "reward": round(float(reward), 4),
            "cumulative_reward": round(self.cumulative_reward, 4),
            "done": self.done,
            "success": self.success,
            "server_ts": now_ms(),
        }
