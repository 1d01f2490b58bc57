"""Slices of the maze benchmark: success by the hidden maze's shortest-path length, in bins."""

from __future__ import annotations

import numpy as np

from benchmarks.maze.benchmark import PATH_BINS, MazeBenchmark


def test_mazes_fall_in_their_path_length_bin_and_success_is_the_bins_mean():
    benchmark = MazeBenchmark(seed_for=lambda slug, label: 1)
    lengths = np.array([18, 24, 25, 29, 30, 35, 36, 46])
    success = np.array([1.0, 1.0, 1.0, 0.0, 0.5, 0.0, 0.0, 0.0])
    items = {"value": success, "path_length": lengths}
    found = benchmark.slices(items, {})
    assert [(s.name, s.rows.tolist()) for s in found] == [
        ("1–24", [0, 1]),
        ("25–29", [2, 3]),
        ("30–35", [4, 5]),
        ("36+", [6, 7]),
    ]
    assert {s.group for s in found} == {"shortest path (steps)"}
    means = [
        float(benchmark.resample_primary({k: v[s.rows] for k, v in items.items()}, np.ones((1, 2)))[0]) for s in found
    ]
    assert means == [1.0, 0.5, 0.25, 0.0]
    assert len(PATH_BINS) == 4


def test_empty_bins_are_left_out_and_old_items_have_no_slices():
    benchmark = MazeBenchmark(seed_for=lambda slug, label: 1)
    assert [s.name for s in benchmark.slices({"value": np.ones(2), "path_length": np.array([40, 41])}, {})] == ["36+"]
    assert benchmark.slices({"value": np.ones(2)}, {}) == []
