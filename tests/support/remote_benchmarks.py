"""The real benchmarks, small, for the remote-worker end-to-end test: one tiny synthetic anomaly
category and the maze (LB_BENCHMARKS=tests.support.remote_benchmarks:benchmarks)."""

from __future__ import annotations

from benchmarks.base import Benchmark


def benchmarks(**_options) -> list[Benchmark]:
    from benchmarks import anomaly, maze

    return [
        *anomaly.benchmarks(synthetic_categories=["gravel"], synthetic_size="tiny"),
        *maze.benchmarks(),
    ]
