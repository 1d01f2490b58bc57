from __future__ import annotations

import numpy as np
import pytest

from benchmarks.maze.mazes import Maze

# A hand-made 10x10 maze: a corridor along the top row, down column 4 to the
# goal, a dead end at the right of the top row. Everything else is wall.
CORRIDOR_ROWS = [
    "........##",
    "####.#####",
    "####.#####",
    "####.#####",
    "##########",
    "##########",
    "##########",
    "##########",
    "##########",
    "#########.",
]


def corridor_maze() -> Maze:
    grid = np.array([[1 if ch == "#" else 0 for ch in row] for row in CORRIDOR_ROWS], dtype=np.uint8)
    return Maze("corridor", grid, start=(0, 0), goal=(3, 4), shortest_path_length=7)


@pytest.fixture
def corridor() -> Maze:
    return corridor_maze()
