"""The Gymnasium env: API conformance, rewards, termination, truncation, walls."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import benchmarks.maze  # noqa: F401  (registers the id)
from benchmarks.maze.engine import MAX_STEPS, REWARD_GOAL, REWARD_STEP, REWARD_WALL
from benchmarks.maze.env import MazeEnv

UP, DOWN, LEFT, RIGHT = range(4)


def test_check_env_passes_for_generated_and_fixed_mazes(corridor):
    check_env(gymnasium.make("leaders_board/Maze-v0").unwrapped, skip_render_check=False)
    check_env(gymnasium.make("leaders_board/Maze-v0", maze=corridor).unwrapped)


def test_make_accepts_a_maze_set_entry_dict(corridor):
    env = gymnasium.make("leaders_board/Maze-v0", maze=corridor.to_json())
    env.reset(seed=0)
    assert env.unwrapped.start == (0, 0) and env.unwrapped.goal == (3, 4)


def test_step_on_floor_costs_step_penalty(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    _, reward, terminated, truncated, _ = env.step(RIGHT)
    assert reward == pytest.approx(REWARD_STEP) == pytest.approx(-0.01)
    assert env.position == (0, 1) and not terminated and not truncated


def test_bumping_a_wall_costs_wall_penalty_and_agent_stays(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    env.step(RIGHT)
    _, reward, _, _, _ = env.step(DOWN)  # (1, 1) is wall
    assert reward == pytest.approx(REWARD_WALL) == pytest.approx(-0.05)
    assert env.position == (0, 1)


@pytest.mark.parametrize("action", [UP, LEFT])
def test_grid_border_is_a_wall(corridor, action):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    _, reward, _, _, _ = env.step(action)
    assert reward == pytest.approx(REWARD_WALL) and env.position == (0, 0)


def test_bottom_right_border_is_a_wall(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0, options={"maze": {**corridor.to_json(), "start": [9, 9]}})
    for action in (DOWN, RIGHT):
        _, reward, _, _, _ = env.step(action)
        assert reward == pytest.approx(REWARD_WALL) and env.position == (9, 9)


def test_reaching_goal_gives_goal_reward_and_terminates(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    rewards = []
    for action in [RIGHT] * 4 + [DOWN] * 3:
        _, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
    assert terminated and not truncated and info["success"]
    assert rewards[-1] == pytest.approx(REWARD_GOAL) == pytest.approx(1.0)
    assert len(rewards) == corridor.shortest_path_length


def test_episode_truncates_after_exactly_max_steps(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    for step in range(1, MAX_STEPS + 1):
        _, _, terminated, truncated, _ = env.step(UP)
        assert not terminated
        assert truncated == (step == MAX_STEPS)
    assert MAX_STEPS == 200


def test_render_modes(corridor):
    text_env = MazeEnv(maze=corridor, render_mode="ansi")
    text_env.reset(seed=0)
    text = text_env.render()
    assert text.splitlines()[0].startswith("A") and "G" in text
    image_env = MazeEnv(maze=corridor, render_mode="rgb_array")
    image_env.reset(seed=0)
    image = image_env.render()
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] == image.shape[1] > 10


def test_viewer_state_tracks_position_and_visit_steps(corridor):
    env = MazeEnv(maze=corridor)
    env.reset(seed=0)
    env.step(RIGHT)
    env.step(RIGHT)
    env.step(LEFT)
    assert env.position == (0, 1)
    assert env.visited == {(0, 0): 0, (0, 1): 3, (0, 2): 2}
    assert env.recency[(0, 1)] > env.recency[(0, 2)] > env.recency[(0, 0)]
    assert (3, 4) in env.floor_cells() and (1, 1) not in env.floor_cells()


def test_observation_at_current_cell_equals_the_observation(corridor):
    env = MazeEnv(maze=corridor)
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(RIGHT)
    np.testing.assert_array_equal(env.observation_at(env.position), obs)
    many = env.observations_at([(0, 1), (2, 4)])
    np.testing.assert_array_equal(many[0], obs)
    np.testing.assert_array_equal(many[1], env.observation_at((2, 4)))
