"""Pool queues on both brokers: a task with ``pool=`` lands in that pool's
queue, only a consumer serving the pool dequeues it, and the totals count it."""

from __future__ import annotations

import os
import uuid

import pytest

from jobs.queue import adapter_for
from jobs.queue_huey import PoolRedisHuey, PoolSqliteHuey


def _pair(kind: str, tmp_path):
    name = f"lb-pools-{uuid.uuid4().hex[:8]}"
    if kind == "redis":
        url = os.environ.get("LB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

        def make(pools):
            return PoolRedisHuey(name, url=url, pools=pools, all_pools=["default", "big"], blocking=False)
    else:

        def make(pools):
            return PoolSqliteHuey(name, filename=str(tmp_path / "q.sqlite3"), pools=pools, all_pools=["default", "big"])

    default_worker, big_worker = make(["default"]), make(["big"])
    wrappers = [
        huey.task(name="work")(lambda job, pool="default": f"{job} in {pool}") for huey in (default_worker, big_worker)
    ]
    return default_worker, big_worker, wrappers[0]


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_a_pool_task_reaches_only_a_worker_serving_the_pool(kind, tmp_path):
    default_worker, big_worker, work = _pair(kind, tmp_path)
    try:
        default_worker.enqueue(work.s("j1", pool="big"))
        default_worker.enqueue(work.s("j2", pool="default"))
        queue = adapter_for(default_worker)
        assert queue.pool_depth("big") == 1 and queue.pool_depth("default") == 1
        assert default_worker.pending_count() == 2  # health and the sweeper see every pool

        task = default_worker.dequeue()
        assert task.args == ("j2",) and default_worker.dequeue() is None  # the big one is not for it
        task = big_worker.dequeue()
        assert task.args == ("j1",) and task.kwargs == {"pool": "big"}
        assert big_worker.pending_count() == 0

        # A retry goes back to its own pool's queue.
        default_worker.enqueue(task)
        assert queue.pool_depth("big") == 1 and default_worker.dequeue() is None
    finally:
        default_worker.flush()
