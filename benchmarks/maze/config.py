"""Training configuration: YAML files merged over the defaults in ``configs/``."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from benchmarks.maze.mazes import Maze, generate_maze_set, load_maze_set

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
ALGORITHMS = ("ppo", "dqn")


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def default_config(algorithm: str = "ppo") -> dict[str, Any]:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    return yaml.safe_load((CONFIG_DIR / f"{algorithm}.yaml").read_text())


def resolve_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Fill what ``config`` leaves out from the defaults of its algorithm."""
    algorithm = str(config.get("algorithm", "ppo")).lower()
    resolved = _merge(default_config(algorithm), config)
    resolved["algorithm"] = algorithm
    return resolved


def load_config(path: Path | str) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the config must be a YAML mapping")
    return resolve_config(data)


def maze_set_from_config(section: Mapping[str, Any]) -> tuple[str, list[Maze]]:
    """(name, mazes) for a ``maze_set`` config section."""
    if section.get("path"):
        path = Path(section["path"])
        return path.stem, load_maze_set(path)
    size = tuple(section.get("size", (10, 10)))
    name = str(section.get("name", "train"))
    mazes = generate_maze_set(
        name,
        int(section.get("seed", 1000)),
        int(section.get("count", 500)),
        size,
        str(section.get("difficulty", "hard")),
    )
    return f"{name}-seed{section.get('seed', 1000)}-n{len(mazes)}-{section.get('difficulty', 'hard')}", mazes


def flat_params(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"ppo.learning_rate": "0.001", …}`` for MLflow params."""
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flat_params(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat
