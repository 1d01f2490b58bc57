"""A batch of mazes stepped with numpy: the one implementation of the rules.

Both the Gymnasium env (a batch of one) and the fast vectorised env used for
training and scoring step through :class:`MazeBatch`, so they cannot drift.

Observation encoding ``OBS_ENCODING_VERSION = "recency-log-v1"``: the 5 × 5
window centred on the agent, row-major from the top-left, flattened to 25
float32 values. Each cell reads:

* ``-1.0`` wall, or outside the grid;
* ``0.0`` floor not visited in this episode;
* ``1.0`` the goal;
* visited floor: ``0.25 + 0.5 * (1 - log1p(age) / log1p(200))`` where ``age``
  is the number of steps since the agent last stood there (capped at 200). The
  agent's own cell (age 0) reads 0.75, older cells fade towards 0.25.

So among open cells, *lower means less recently seen*: the depth-first rule
"step to the goal if adjacent, otherwise to the open neighbour with the lowest
value" explores every perfect maze and backtracks out of dead ends.

Rules: actions 0 up, 1 down, 2 left, 3 right. Each step gives exactly one
reward: +1.0 when the move reaches the goal (the episode terminates), -0.05
when the move hits a wall (the agent stays), -0.01 otherwise. The episode is
truncated after 200 steps.
"""

from __future__ import annotations

import numpy as np

from benchmarks.maze.mazes import Maze

OBS_ENCODING_VERSION = "recency-log-v1"
OBS_SIZE = 25
N_ACTIONS = 4
ACTION_NAMES = ("up", "down", "left", "right")
MAX_STEPS = 200
VIEW_RADIUS = 2
REWARD_GOAL, REWARD_STEP, REWARD_WALL = 1.0, -0.01, -0.05
WALL_VALUE, UNVISITED_VALUE, GOAL_VALUE = -1.0, 0.0, 1.0
_DELTAS = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]], dtype=np.int64)
_OFFSETS = np.array(
    [(dr, dc) for dr in range(-VIEW_RADIUS, VIEW_RADIUS + 1) for dc in range(-VIEW_RADIUS, VIEW_RADIUS + 1)],
    dtype=np.int64,
)
_LOG_MAX = float(np.log1p(MAX_STEPS))


def recency_value(age: np.ndarray) -> np.ndarray:
    """Encoded value of a visited cell last seen ``age`` steps ago."""
    age = np.minimum(age, MAX_STEPS)
    return 0.25 + 0.5 * (1.0 - np.log1p(age) / _LOG_MAX)


class MazeBatch:
    """``n`` independent episodes on grids of one size (padded by 2 walls)."""

    def __init__(self, n: int, size: tuple[int, int] = (10, 10), max_steps: int = MAX_STEPS):
        self.n, self.size, self.max_steps = n, size, max_steps
        pad = VIEW_RADIUS
        shape = (n, size[0] + 2 * pad, size[1] + 2 * pad)
        self.walls = np.ones(shape, dtype=bool)
        self.last_visit = np.full(shape, -1, dtype=np.int32)
        self.pos = np.zeros((n, 2), dtype=np.int64)  # padded coordinates
        self.goal = np.zeros((n, 2), dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int32)
        self._rows = np.arange(n)
        self.first_visit = np.zeros(n, dtype=bool)

    # -- episode control -------------------------------------------------
    def reset_one(self, i: int, maze: Maze) -> None:
        if maze.shape != self.size:
            raise ValueError(f"maze {maze.id} is {maze.shape}, batch expects {self.size}")
        pad = VIEW_RADIUS
        self.walls[i] = True
        self.walls[i, pad : pad + self.size[0], pad : pad + self.size[1]] = maze.grid.astype(bool)
        self.last_visit[i] = -1
        self.pos[i] = (maze.start[0] + pad, maze.start[1] + pad)
        self.goal[i] = (maze.goal[0] + pad, maze.goal[1] + pad)
        self.steps[i] = 0
        self.last_visit[i, self.pos[i, 0], self.pos[i, 1]] = 0

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply one action per episode; returns (reward, terminated, truncated)."""
        target = self.pos + _DELTAS[np.asarray(actions, dtype=np.int64)]
        bumped = self.walls[self._rows, target[:, 0], target[:, 1]]
        self.pos = np.where(bumped[:, None], self.pos, target)
        self.steps += 1
        # Whether each agent now stands on a cell new to this episode (trainers
        # may use it for an exploration bonus; the env reward ignores it).
        self.first_visit = self.last_visit[self._rows, self.pos[:, 0], self.pos[:, 1]] < 0
        self.last_visit[self._rows, self.pos[:, 0], self.pos[:, 1]] = self.steps
        reached = (self.pos == self.goal).all(axis=1)
        reward = np.where(reached, REWARD_GOAL, np.where(bumped, REWARD_WALL, REWARD_STEP))
        truncated = (self.steps >= self.max_steps) & ~reached
        return reward.astype(np.float32), reached, truncated

    # -- observation -----------------------------------------------------
    def observe(self, rows: np.ndarray | None = None, centres: np.ndarray | None = None) -> np.ndarray:
        """Observations for episodes ``rows`` (default all) centred on ``centres``
        (padded coordinates, default the agents' positions)."""
        rows = self._rows if rows is None else np.asarray(rows)
        centres = self.pos[rows] if centres is None else np.asarray(centres)
        r = centres[:, 0, None] + _OFFSETS[None, :, 0]
        c = centres[:, 1, None] + _OFFSETS[None, :, 1]
        idx = rows[:, None]
        walls = self.walls[idx, r, c]
        last = self.last_visit[idx, r, c]
        age = self.steps[rows][:, None] - last
        obs = np.where(last >= 0, recency_value(age), UNVISITED_VALUE)
        obs = np.where(walls, WALL_VALUE, obs)
        is_goal = (r == self.goal[rows, 0, None]) & (c == self.goal[rows, 1, None])
        return np.where(is_goal, GOAL_VALUE, obs).astype(np.float32)
