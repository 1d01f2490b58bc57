"""Observation encoding recency-log-v1: walls, floor, goal and recency of visits."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.maze.engine import OBS_ENCODING_VERSION, recency_value
from benchmarks.maze.env import MazeEnv

RIGHT = 3


def window(obs: np.ndarray) -> np.ndarray:
    return obs.reshape(5, 5)


def test_encoding_version_is_documented():
    assert OBS_ENCODING_VERSION == "recency-log-v1"


def test_outside_grid_reads_as_wall_and_unvisited_floor_as_zero(corridor):
    env = MazeEnv(maze=corridor)
    obs, _ = env.reset(seed=0)
    view = window(obs)
    assert obs.shape == (25,) and obs.dtype == np.float32
    assert (view[:2, :] == -1.0).all() and (view[:, :2] == -1.0).all()  # off the top-left corner
    assert view[2, 3] == 0.0 and view[2, 4] == 0.0  # unvisited corridor to the right
    assert view[3, 3] == -1.0  # wall below (1, 1)
    assert view[2, 2] == pytest.approx(0.75)  # the agent's own cell, age 0


def test_goal_reads_as_one(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    for _ in range(4):
        env.step(RIGHT)
    obs, *_ = env.step(1)  # down to (1, 4); goal (3, 4) is two cells below
    assert window(obs)[4, 2] == 1.0


def test_visited_cells_fade_with_age(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    for _ in range(3):
        obs, *_ = env.step(RIGHT)
    view = window(obs)  # at (0, 3): (0, 2) visited 1 step ago, (0, 1) 2 steps ago
    assert view[2, 1] == pytest.approx(recency_value(np.array(1)))
    assert view[2, 0] == pytest.approx(recency_value(np.array(2)))
    assert 0.75 > view[2, 1] > view[2, 0] > 0.25


def test_recency_values_stay_between_unvisited_and_agent():
    ages = np.arange(0, 400)
    values = recency_value(ages)
    assert values[0] == pytest.approx(0.75) and values[-1] == pytest.approx(0.25)
    assert (np.diff(values[:201]) < 0).all() and (values > 0.0).all()
