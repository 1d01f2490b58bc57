"""Stable-Baselines3 ``VecEnv`` over the numpy :class:`VectorMazeEnv`.

Training-only extra: ``exploration_bonus`` is added to the reward the *learner*
sees each time an agent steps onto a cell new to its episode (a count-based
novelty bonus that speeds up learning to explore). The episode statistics
(``info["episode"]``) and every success figure use the env's exact reward.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.vec_env import VecEnv

from benchmarks.maze.engine import MAX_STEPS, N_ACTIONS, OBS_SIZE
from benchmarks.maze.mazes import Maze
from benchmarks.maze.vector import VectorMazeEnv


class Sb3MazeVecEnv(VecEnv):
    render_mode = None

    def __init__(
        self,
        mazes: Sequence[Maze],
        n_envs: int,
        seed: int = 0,
        exploration_bonus: float = 0.0,
        max_steps: int = MAX_STEPS,
    ):
        self.venv = VectorMazeEnv(mazes, n_envs, seed=seed, max_steps=max_steps)
        self.exploration_bonus = exploration_bonus
        self._actions: np.ndarray | None = None
        self._started = time.time()
        super().__init__(
            n_envs,
            spaces.Box(-1.0, 1.0, shape=(OBS_SIZE,), dtype=np.float32),
            spaces.Discrete(N_ACTIONS),
        )

    def reset(self) -> np.ndarray:
        return self.venv.reset()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions).reshape(-1)

    def step_wait(self):
        out = self.venv.step(self._actions)
        reward = out.reward + self.exploration_bonus * out.first_visit
        dones = out.terminated | out.truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        elapsed = round(time.time() - self._started, 6)
        for i in np.flatnonzero(dones):
            infos[i] = {
                "terminal_observation": out.final_obs[i],
                "TimeLimit.truncated": bool(out.truncated[i]),
                "is_success": bool(out.terminated[i]),
                "episode": {"r": float(out.episode_return[i]), "l": int(out.episode_length[i]), "t": elapsed},
            }
        return out.obs, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        pass

    def _indices(self, indices) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        return [indices] if isinstance(indices, int) else list(indices)

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        return [getattr(self, attr_name) for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> list[Any]:
        return [getattr(self, method_name)(*args, **kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False for _ in self._indices(indices)]
