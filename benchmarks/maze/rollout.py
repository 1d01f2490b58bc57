"""Run many maze episodes in lockstep (one policy call per step for all of them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from benchmarks.maze.engine import MAX_STEPS, VIEW_RADIUS, MazeBatch
from benchmarks.maze.mazes import Maze

ActFn = Callable[[np.ndarray], np.ndarray]  # (k, 25) float32 observations -> (k,) actions


@dataclass
class Episodes:
    maze_index: np.ndarray  # (E,) which maze each episode ran on
    success: np.ndarray  # (E,) bool
    steps: np.ndarray  # (E,) steps taken (to the goal, or until truncation)
    total_reward: np.ndarray  # (E,) env return
    trajectories: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def run_episodes(
    act: ActFn,
    mazes: Sequence[Maze],
    episodes_per_maze: int = 1,
    record: Sequence[int] = (),
    max_steps: int = MAX_STEPS,
) -> Episodes:
    """Episode ``e`` runs on maze ``e // episodes_per_maze``; ``record`` lists the
    episodes whose cell-by-cell trajectory is kept."""
    maze_index = np.repeat(np.arange(len(mazes)), episodes_per_maze)
    n = len(maze_index)
    batch = MazeBatch(n, mazes[0].shape, max_steps)
    for e, m in enumerate(maze_index):
        batch.reset_one(e, mazes[m])
    active = np.ones(n, dtype=bool)
    success = np.zeros(n, dtype=bool)
    steps = np.zeros(n, dtype=np.int64)
    total = np.zeros(n, dtype=np.float64)
    trajectories = {e: [_cell(batch, e)] for e in record}
    actions = np.zeros(n, dtype=np.int64)
    while active.any():
        rows = np.flatnonzero(active)
        actions[rows] = act(batch.observe(rows))
        # Finished episodes keep stepping in the batch (cheaper than compacting)
        # but nothing about them is recorded any more.
        reward, terminated, truncated = batch.step(actions)
        total[rows] += reward[rows]
        steps[rows] += 1
        success[rows] = terminated[rows]
        for e in trajectories:
            if active[e]:
                trajectories[e].append(_cell(batch, e))
        active[rows] = ~(terminated[rows] | truncated[rows])
    return Episodes(maze_index, success, steps, total, trajectories)


def _cell(batch: MazeBatch, e: int) -> tuple[int, int]:
    r, c = batch.pos[e] - VIEW_RADIUS
    return int(r), int(c)
