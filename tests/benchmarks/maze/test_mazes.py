"""Maze generation: determinism, solvability, start/goal rule, JSON round trip."""

from __future__ import annotations

import numpy as np

from benchmarks.maze.engine import MazeBatch
from benchmarks.maze.env import MazeEnv
from benchmarks.maze.mazes import bfs_distances, generate_maze, generate_maze_set, load_maze_set, save_maze_set
from benchmarks.maze.vector import VectorMazeEnv


def test_same_seed_same_maze_different_seed_different_maze():
    a, b, c = generate_maze(5), generate_maze(5), generate_maze(6)
    np.testing.assert_array_equal(a.grid, b.grid)
    assert (a.start, a.goal) == (b.start, b.goal)
    assert not np.array_equal(a.grid, c.grid)


def test_every_maze_is_solvable_with_the_stored_shortest_path():
    for maze in generate_maze_set("t", 100, 60):
        dist = bfs_distances(maze.grid, maze.start)
        assert maze.grid.shape == (10, 10)
        assert maze.grid[maze.start] == 0 and maze.grid[maze.goal] == 0
        assert dist[maze.goal] == maze.shortest_path_length > 0
        assert dist[maze.goal] == dist.max()  # goal rule: farthest floor cell
        assert (dist[maze.grid == 0] >= 0).all()  # every floor cell reachable


def test_hard_mazes_are_perfect_trees():
    for maze in generate_maze_set("t", 200, 20, difficulty="hard"):
        floor = maze.grid == 0
        edges = (floor[1:, :] & floor[:-1, :]).sum() + (floor[:, 1:] & floor[:, :-1]).sum()
        assert edges == floor.sum() - 1


def test_easy_mazes_have_loops():
    maze = generate_maze(3, difficulty="easy")
    floor = maze.grid == 0
    edges = (floor[1:, :] & floor[:-1, :]).sum() + (floor[:, 1:] & floor[:, :-1]).sum()
    assert edges > floor.sum() - 1


def test_maze_set_json_round_trip(tmp_path):
    mazes = generate_maze_set("x", 1, 3)
    save_maze_set(tmp_path / "set.json", mazes, name="x", seed=1)
    loaded = load_maze_set(tmp_path / "set.json")
    assert [m.id for m in loaded] == ["x-0000", "x-0001", "x-0002"]
    for a, b in zip(mazes, loaded):
        np.testing.assert_array_equal(a.grid, b.grid)
        assert (a.start, a.goal, a.shortest_path_length) == (b.start, b.goal, b.shortest_path_length)


def test_vector_env_follows_the_same_rules_as_the_gym_env():
    mazes = generate_maze_set("v", 50, 4)
    rng = np.random.default_rng(0)
    actions = rng.integers(4, size=(150, 4))
    vector = VectorMazeEnv(mazes, 4, seed=0)
    vector.reset()
    envs = [MazeEnv(maze=mazes[vector.maze_index[i]]) for i in range(4)]
    for env in envs:
        env.reset(seed=0)
    for step_actions in actions:
        out = vector.step(step_actions)
        for i, env in enumerate(envs):
            obs, reward, terminated, truncated, _ = env.step(int(step_actions[i]))
            if terminated or truncated:  # the vector env has already reset this one
                np.testing.assert_array_equal(out.final_obs[i], obs)
                return
            np.testing.assert_array_equal(out.obs[i], obs)
            assert out.reward[i] == reward


def test_depth_first_rule_solves_generated_mazes_within_the_step_limit():
    mazes = generate_maze_set("d", 300, 100)
    batch = MazeBatch(len(mazes))
    for i, maze in enumerate(mazes):
        batch.reset_one(i, maze)
    solved = np.zeros(len(mazes), dtype=bool)
    for _ in range(200):
        neighbours = batch.observe()[:, [7, 17, 11, 13]]
        preference = np.where(neighbours < -0.5, 9.0, np.where(neighbours > 0.9, -9.0, neighbours))
        _, terminated, _ = batch.step(preference.argmin(axis=1))
        solved |= terminated
    assert solved.all()
