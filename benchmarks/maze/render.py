"""Text and image pictures of a maze episode (numpy only, no plotting library)."""

from __future__ import annotations

import numpy as np

CELL_PX = 16
COLOURS = {
    "wall": (40, 44, 52),
    "floor": (236, 236, 230),
    "visited": (150, 190, 240),  # blended towards floor as the visit ages
    "start": (120, 200, 120),
    "goal": (240, 190, 40),
    "agent": (220, 60, 60),
    "path": (70, 110, 200),
}


def ansi(
    grid: np.ndarray,
    position: tuple[int, int],
    start: tuple[int, int],
    goal: tuple[int, int],
    visited: dict[tuple[int, int], int],
) -> str:
    """``#`` wall, ``.`` floor, ``o`` visited, ``S`` start, ``G`` goal, ``A`` agent."""
    lines = []
    for r in range(grid.shape[0]):
        chars = []
        for c in range(grid.shape[1]):
            cell = (r, c)
            if cell == position:
                chars.append("A")
            elif cell == goal:
                chars.append("G")
            elif cell == start:
                chars.append("S")
            elif grid[r, c]:
                chars.append("#")
            elif cell in visited:
                chars.append("o")
            else:
                chars.append(".")
        lines.append("".join(chars))
    return "\n".join(lines) + "\n"


def rgb(
    grid: np.ndarray,
    position: tuple[int, int],
    start: tuple[int, int],
    goal: tuple[int, int],
    recency: dict[tuple[int, int], float],
    path: list[tuple[int, int]] | None = None,
    cell_px: int = CELL_PX,
) -> np.ndarray:
    """An (H*cell_px, W*cell_px, 3) uint8 picture. ``recency`` maps visited cells
    to 0..1 (1 = just visited); ``path`` optionally draws a trajectory."""
    height, width = grid.shape
    img = np.empty((height, width, 3), dtype=np.float32)
    img[:] = COLOURS["floor"]
    img[grid.astype(bool)] = COLOURS["wall"]
    floor, visited = np.array(COLOURS["floor"], np.float32), np.array(COLOURS["visited"], np.float32)
    for (r, c), fresh in recency.items():
        img[r, c] = floor + (visited - floor) * (0.35 + 0.65 * fresh)
    img[start] = COLOURS["start"]
    img[goal] = COLOURS["goal"]
    big = np.repeat(np.repeat(img, cell_px, axis=0), cell_px, axis=1)
    if path:
        half = cell_px // 2
        for r, c in path:
            big[r * cell_px + half - 2 : r * cell_px + half + 2, c * cell_px + half - 2 : c * cell_px + half + 2] = (
                COLOURS["path"]
            )
    r, c = position
    inset = cell_px // 4
    big[r * cell_px + inset : (r + 1) * cell_px - inset, c * cell_px + inset : (c + 1) * cell_px - inset] = COLOURS[
        "agent"
    ]
    return big.astype(np.uint8)
