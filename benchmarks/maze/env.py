"""Gymnasium env ``leaders_board/Maze-v0`` (registered by ``import benchmarks.maze``).

    env = gymnasium.make("leaders_board/Maze-v0", maze=maze)           # one fixed maze
    env = gymnasium.make("leaders_board/Maze-v0", mazes=maze_list)     # a maze per reset
    env = gymnasium.make("leaders_board/Maze-v0")                      # a fresh maze per reset

``maze`` may be a :class:`~benchmarks.maze.mazes.Maze`, a maze-set JSON entry
(dict) or an int seed. Rules and observation encoding: see
:mod:`benchmarks.maze.engine`.

What a viewer needs: ``grid``, ``position``, ``start``, ``goal``,
``visited`` (cell -> step of last visit), ``recency`` (cell -> 0..1),
``observation_at(cell)`` (what the agent would see standing on ``cell`` now)
and ``floor_cells()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from benchmarks.maze import render as rendering
from benchmarks.maze.engine import (
    ACTION_NAMES,
    MAX_STEPS,
    N_ACTIONS,
    OBS_ENCODING_VERSION,
    OBS_SIZE,
    VIEW_RADIUS,
    MazeBatch,
)
from benchmarks.maze.mazes import Maze, as_maze, generate_maze

Cell = tuple[int, int]


class MazeEnv(gym.Env):
    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 8}
    action_names = ACTION_NAMES
    obs_encoding_version = OBS_ENCODING_VERSION

    def __init__(
        self,
        maze: Maze | dict | int | None = None,
        mazes: Sequence[Maze | dict] | None = None,
        render_mode: str | None = None,
        max_steps: int = MAX_STEPS,
        size: tuple[int, int] = (10, 10),
        difficulty: str = "hard",
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self._fixed = as_maze(maze) if maze is not None else None
        self._pool = [as_maze(m) for m in mazes] if mazes else None
        self._difficulty = difficulty
        if self._fixed is not None:
            size = self._fixed.shape
        elif self._pool:
            size = self._pool[0].shape
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(OBS_SIZE,), dtype=np.float32)
        self.action_space = spaces.Discrete(N_ACTIONS)
        self._batch = MazeBatch(1, tuple(size), max_steps)
        self.maze: Maze = self._fixed or (self._pool[0] if self._pool else generate_maze(0, tuple(size)))
        self._batch.reset_one(0, self.maze)

    # -- gymnasium API ---------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        if "maze" in options:
            self.maze = as_maze(options["maze"])
        elif self._fixed is not None:
            self.maze = self._fixed
        elif self._pool:
            self.maze = self._pool[int(self.np_random.integers(len(self._pool)))]
        else:
            maze_seed = int(self.np_random.integers(2**31 - 1))
            self.maze = generate_maze(maze_seed, self._batch.size, self._difficulty)
        self._batch.reset_one(0, self.maze)
        return self._batch.observe()[0], self._info()

    def step(self, action):
        reward, terminated, truncated = self._batch.step(np.array([int(action)]))
        return (self._batch.observe()[0], float(reward[0]), bool(terminated[0]), bool(truncated[0]), self._info())

    def render(self):
        if self.render_mode == "ansi":
            return rendering.ansi(self.grid, self.position, self.start, self.goal, self.visited)
        if self.render_mode == "rgb_array":
            return rendering.rgb(self.grid, self.position, self.start, self.goal, self.recency)
        return None

    # -- what a viewer reads -----------------------------------------------
    @property
    def grid(self) -> np.ndarray:
        """(H, W) uint8: 1 wall, 0 floor."""
        return self.maze.grid

    @property
    def start(self) -> Cell:
        return self.maze.start

    @property
    def goal(self) -> Cell:
        return self.maze.goal

    @property
    def position(self) -> Cell:
        r, c = self._batch.pos[0] - VIEW_RADIUS
        return int(r), int(c)

    @property
    def steps(self) -> int:
        return int(self._batch.steps[0])

    @property
    def visited(self) -> dict[Cell, int]:
        """Visited cells -> the step at which the agent last stood there."""
        pad, (h, w) = VIEW_RADIUS, self._batch.size
        last = self._batch.last_visit[0, pad : pad + h, pad : pad + w]
        return {(int(r), int(c)): int(last[r, c]) for r, c in zip(*np.nonzero(last >= 0))}

    @property
    def recency(self) -> dict[Cell, float]:
        """Visited cells -> 1.0 (just now) … 0.0 (``max_steps`` or more ago)."""
        now, span = self.steps, self._batch.max_steps
        return {cell: max(0.0, 1.0 - (now - t) / span) for cell, t in self.visited.items()}

    def floor_cells(self) -> list[Cell]:
        return [(int(r), int(c)) for r, c in zip(*np.nonzero(self.grid == 0))]

    def observation_at(self, cell: Cell) -> np.ndarray:
        """The 25 values the agent would observe standing on ``cell`` now."""
        centre = np.array([[cell[0] + VIEW_RADIUS, cell[1] + VIEW_RADIUS]])
        return self._batch.observe(np.array([0]), centre)[0]

    def observations_at(self, cells: Sequence[Cell]) -> np.ndarray:
        """(len(cells), 25) observations, e.g. to draw the policy's preferred
        direction on every floor cell in one ONNX call."""
        centres = np.array([[r + VIEW_RADIUS, c + VIEW_RADIUS] for r, c in cells], dtype=np.int64)
        return self._batch.observe(np.zeros(len(cells), dtype=np.int64), centres.reshape(-1, 2))

    def _info(self) -> dict[str, Any]:
        return {
            "maze_id": self.maze.id,
            "position": self.position,
            "steps": self.steps,
            "success": self.position == self.goal,
        }
