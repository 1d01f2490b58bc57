"""A fast vectorised maze env (numpy, auto-reset) for training and throughput.

Same rules and observations as the Gymnasium env (both step
:class:`~benchmarks.maze.engine.MazeBatch`). Each sub-env draws a maze from the
pool at every reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.maze.engine import MAX_STEPS, MazeBatch
from benchmarks.maze.mazes import Maze


@dataclass
class VectorStep:
    obs: np.ndarray  # (n, 25) next observation (already reset where an episode ended)
    reward: np.ndarray  # (n,) env reward
    terminated: np.ndarray  # (n,) bool
    truncated: np.ndarray  # (n,) bool
    final_obs: np.ndarray  # (n, 25) observation before the automatic reset
    first_visit: np.ndarray  # (n,) bool: moved onto a cell new to the episode
    episode_return: np.ndarray  # (n,) return of the episode that just ended (0 elsewhere)
    episode_length: np.ndarray  # (n,) int


class VectorMazeEnv:
    def __init__(self, mazes: Sequence[Maze], n_envs: int, seed: int = 0, max_steps: int = MAX_STEPS):
        if not mazes:
            raise ValueError("VectorMazeEnv needs at least one maze")
        self.mazes = list(mazes)
        self.n_envs = n_envs
        self.rng = np.random.default_rng(seed)
        self.batch = MazeBatch(n_envs, self.mazes[0].shape, max_steps)
        self.returns = np.zeros(n_envs, dtype=np.float64)
        self.maze_index = np.zeros(n_envs, dtype=np.int64)

    def _reset_rows(self, rows: np.ndarray) -> None:
        for i in rows:
            self.maze_index[i] = self.rng.integers(len(self.mazes))
            self.batch.reset_one(int(i), self.mazes[self.maze_index[i]])
        self.returns[rows] = 0.0

    def reset(self) -> np.ndarray:
        self._reset_rows(np.arange(self.n_envs))
        return self.batch.observe()

    def step(self, actions: np.ndarray) -> VectorStep:
        reward, terminated, truncated = self.batch.step(actions)
        self.returns += reward
        obs = self.batch.observe()
        done = terminated | truncated
        final_obs = obs.copy()
        ep_return = np.where(done, self.returns, 0.0)
        ep_length = np.where(done, self.batch.steps, 0)
        first_visit = self.batch.first_visit.copy()
        if done.any():
            rows = np.flatnonzero(done)
            self._reset_rows(rows)
            obs[rows] = self.batch.observe(rows)
        return VectorStep(obs, reward, terminated, truncated, final_obs, first_visit, ep_return, ep_length)
