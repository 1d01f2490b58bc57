"""Maze generation and maze-set files.

Layout of a ``H × W`` grid (10 × 10 by default):

* *Nodes* are the cells with both coordinates even (``0, 2, …``). A seeded
  recursive backtracker (iterative depth-first search with a random neighbour
  order) carves a spanning tree over the nodes by opening the cell between two
  nodes. The result is a *perfect* maze: exactly one path between any two
  floor cells.
* With an even size the last row/column holds no nodes. Each cell of it next
  to a node becomes a dead-end stub with probability 0.5, which keeps the maze
  a tree and uses the full grid.
* ``difficulty`` controls loops: ``hard`` keeps the perfect maze, ``medium``
  and ``easy`` reopen 5 % / 15 % of the walls that separate two nodes.

Start/goal rule (keeps every maze solvable with a known shortest path): the
start is a node drawn with the maze's seed; the goal is the floor cell farthest
from the start by breadth-first search (ties: first in row-major order).
``shortest_path_length`` is that BFS distance in steps.

Maze-set JSON schema (``schema: "leaders-board/maze-set/v1"``)::

    {"schema": "leaders-board/maze-set/v1", "name": "train", "seed": 1000,
     "size": [10, 10], "difficulty": "hard",
     "mazes": [{"id": "train-0000", "seed": 1000,
                "grid": ["#..#.....#", ...],   # H strings of W chars: '#' wall, '.' floor
                "start": [row, col], "goal": [row, col],
                "shortest_path_length": 23}, ...]}
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "leaders-board/maze-set/v1"
WALL, FLOOR = 1, 0
DIFFICULTY_LOOP_FRACTION = {"hard": 0.0, "medium": 0.05, "easy": 0.15}
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))  # action order: up, down, left, right


@dataclass(frozen=True)
class Maze:
    id: str
    grid: np.ndarray  # (H, W) uint8, 1 = wall, 0 = floor
    start: tuple[int, int]
    goal: tuple[int, int]
    shortest_path_length: int
    seed: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.shape  # type: ignore[return-value]

    def to_json(self) -> dict[str, Any]:
        rows = ["".join("#" if v else "." for v in row) for row in self.grid]
        return {
            "id": self.id,
            "seed": self.seed,
            "grid": rows,
            "start": list(self.start),
            "goal": list(self.goal),
            "shortest_path_length": self.shortest_path_length,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Maze:
        rows = data["grid"]
        grid = np.array([[1 if ch == "#" else 0 for ch in row] for row in rows], dtype=np.uint8)
        return cls(
            id=str(data["id"]),
            grid=grid,
            start=(int(data["start"][0]), int(data["start"][1])),
            goal=(int(data["goal"][0]), int(data["goal"][1])),
            shortest_path_length=int(data["shortest_path_length"]),
            seed=data.get("seed"),
        )


def bfs_distances(grid: np.ndarray, source: tuple[int, int]) -> np.ndarray:
    """Steps from ``source`` to every floor cell (-1 where unreachable or wall)."""
    height, width = grid.shape
    dist = np.full(grid.shape, -1, dtype=np.int32)
    dist[source] = 0
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        for dr, dc in MOVES:
            nr, nc = r + dr, c + dc
            if 0 <= nr < height and 0 <= nc < width and grid[nr, nc] == FLOOR and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


def _carve_tree(grid: np.ndarray, rng: np.random.Generator) -> None:
    height, width = grid.shape
    node_rows, node_cols = range(0, height, 2), range(0, width, 2)
    start = (int(rng.choice(list(node_rows))), int(rng.choice(list(node_cols))))
    grid[start] = FLOOR
    stack = [start]
    while stack:
        r, c = stack[-1]
        options = [
            (r + 2 * dr, c + 2 * dc, r + dr, c + dc)
            for dr, dc in MOVES
            if 0 <= r + 2 * dr < height and 0 <= c + 2 * dc < width and grid[r + 2 * dr, c + 2 * dc] == WALL
        ]
        if not options:
            stack.pop()
            continue
        nr, nc, wr, wc = options[int(rng.integers(len(options)))]
        grid[wr, wc] = FLOOR
        grid[nr, nc] = FLOOR
        stack.append((nr, nc))


def _add_stubs(grid: np.ndarray, rng: np.random.Generator) -> None:
    """Even sizes leave a last row/column without nodes: add dead-end stubs."""
    height, width = grid.shape
    if height % 2 == 0:
        for c in range(0, width, 2):
            if rng.random() < 0.5:
                grid[height - 1, c] = FLOOR
    if width % 2 == 0:
        for r in range(0, height, 2):
            if rng.random() < 0.5:
                grid[r, width - 1] = FLOOR


def _open_loops(grid: np.ndarray, fraction: float, rng: np.random.Generator) -> None:
    height, width = grid.shape
    between_nodes = [
        (r, c)
        for r in range(height)
        for c in range(width)
        if grid[r, c] == WALL
        and (r % 2) != (c % 2)
        and ((r % 2 == 1 and r + 1 < height) or (c % 2 == 1 and c + 1 < width))
    ]
    count = int(round(fraction * len(between_nodes)))
    for index in rng.permutation(len(between_nodes))[:count]:
        grid[between_nodes[index]] = FLOOR


def generate_maze(
    seed: int, size: tuple[int, int] = (10, 10), difficulty: str = "hard", maze_id: str | None = None
) -> Maze:
    """One maze, fully determined by ``seed``, ``size`` and ``difficulty``."""
    if difficulty not in DIFFICULTY_LOOP_FRACTION:
        raise ValueError(f"difficulty must be one of {sorted(DIFFICULTY_LOOP_FRACTION)}")
    rng = np.random.default_rng(seed)
    grid = np.full(size, WALL, dtype=np.uint8)
    _carve_tree(grid, rng)
    _add_stubs(grid, rng)
    _open_loops(grid, DIFFICULTY_LOOP_FRACTION[difficulty], rng)
    nodes = [(r, c) for r in range(0, size[0], 2) for c in range(0, size[1], 2)]
    start = nodes[int(rng.integers(len(nodes)))]
    dist = bfs_distances(grid, start)
    far = int(dist.max())
    goal_index = int(np.flatnonzero(dist.ravel() == far)[0])
    goal = (goal_index // size[1], goal_index % size[1])
    return Maze(maze_id or f"maze-{seed}", grid, start, goal, far, seed)


def generate_maze_set(
    name: str, seed: int, count: int, size: tuple[int, int] = (10, 10), difficulty: str = "hard"
) -> list[Maze]:
    """``count`` mazes with seeds ``seed, seed+1, …``; ids ``NAME-0000`` …"""
    return [generate_maze(seed + i, size, difficulty, f"{name}-{i:04d}") for i in range(count)]


def save_maze_set(path: Path, mazes: Iterable[Maze], *, name: str, seed: int, difficulty: str = "hard") -> None:
    mazes = list(mazes)
    data = {
        "schema": SCHEMA,
        "name": name,
        "seed": seed,
        "size": list(mazes[0].shape) if mazes else [0, 0],
        "difficulty": difficulty,
        "mazes": [m.to_json() for m in mazes],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def load_maze_set(path: Path | str) -> list[Maze]:
    data = json.loads(Path(path).read_text())
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a maze set (schema {data.get('schema')!r}, expected {SCHEMA!r})")
    return [Maze.from_json(m) for m in data["mazes"]]


def as_maze(value: Any) -> Maze:
    """Accept a :class:`Maze`, a JSON dict, or an int seed."""
    if isinstance(value, Maze):
        return value
    if isinstance(value, dict):
        return Maze.from_json(value)
    if isinstance(value, (int, np.integer)):
        return generate_maze(int(value))
    raise TypeError(f"cannot make a maze from {type(value).__name__}")
