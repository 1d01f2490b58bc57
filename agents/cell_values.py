"""The viewer's heatmap: a policy's four action scores on every floor cell of a maze.

Computed once per (policy file, maze) in one ONNX call on the observations at the episode's start,
and kept in a small per-process cache shared by every socket: a heatmap costs one inference per
policy and maze, not one per viewer. No Django, no asyncio (cheap to test, like agents/episode.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from agents.policies import Policy

CACHE_SIZE = 64  # (policy, maze) pairs; a frame is ~100 floor cells × 4 floats
_cache: OrderedDict[tuple, dict] = OrderedDict()
_lock = threading.Lock()


def compute_values(policy: Policy, maze, run_options=None) -> dict:
    """``{"kind", "cells": [[r, c, [s_up, s_down, s_left, s_right]], ...], "min", "max"}`` for every
    floor cell; the arrows are each cell's best action, the heatmap each cell's best score."""
    from benchmarks.maze.env import MazeEnv

    env = MazeEnv(maze=maze)
    env.reset(options={"maze": maze})
    inner = env.unwrapped
    cells = inner.floor_cells()
    scores = np.asarray(policy.scores(inner.observations_at(cells), run_options), dtype=np.float64)
    best = scores.max(axis=1)
    return {
        "kind": "action_scores",  # the policy's output per action: preferences (logits) or Q-values
        "cells": [[r, c, [round(float(v), 5) for v in row]] for (r, c), row in zip(cells, scores)],
        "min": round(float(best.min()), 5) if len(best) else 0.0,
        "max": round(float(best.max()), 5) if len(best) else 0.0,
    }


def cached_values(key: tuple, policy: Policy, maze, run_options=None) -> dict:
    """``compute_values`` once per ``key`` (the model's id and file hash, and the maze id)."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    values = compute_values(policy, maze, run_options)  # outside the lock: other sockets keep going
    with _lock:
        _cache[key] = values
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return values


def forget_values() -> None:
    with _lock:
        _cache.clear()
