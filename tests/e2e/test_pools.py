"""Pools on the real stack: a job of a class in pool ``big`` waits while only a
``default`` worker runs, completes on a ``big`` worker (another process with its
own host name), and when that worker is killed mid-job it is retried by the
replacement, never by the ``default`` worker. /metrics agrees with the database."""

from __future__ import annotations

import time

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import toy_files
from tests.e2e.test_stack import SLOW_MAIN

pytestmark = pytest.mark.slow


def metrics(stack) -> dict[str, dict[tuple, float]]:
    """/metrics parsed by prometheus_client: family → {labels: value} (samples named like the family)."""
    import requests

    response = requests.get(stack.url + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    families = {}
    for family in text_string_to_metric_families(response.text):
        families[family.name] = {
            tuple(sorted(s.labels.items())): s.value
            for s in family.samples
            if s.name in (family.name, family.name + "_count")
        }
    return families


def pending_in_pool_db(stack, resource_class: str) -> int:
    url = stack.env["DATABASE_URL"]
    if url.startswith("postgres"):
        with psycopg.connect(url) as conn:
            return conn.execute(
                "select count(*) from jobs_job where status='pending' and resource_class=%s", (resource_class,)
            ).fetchone()[0]
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(
            "select count(*) from jobs_job where status='pending' and resource_class=?", (resource_class,)
        ).fetchone()[0]


def wait_alive(stack, pool: str, count: int, timeout: float = 90) -> dict:
    """Poll /metrics until ``count`` workers are alive in ``pool`` (a worker takes seconds to start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        families = metrics(stack)
        if families["leaderboard_workers_alive"].get((("pool", pool),)) == count:
            return families
        time.sleep(0.3)
    raise AssertionError(
        f"never {count} live workers in pool {pool}; worker log:\n" + (stack.tmp / "worker.log").read_text()[-3000:]
    )


def wait_log(stack, job_id: str, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
        if text in log:
            return log
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared in the log of {job_id}")


def test_a_job_waits_for_its_pool_and_runs_only_there(pool_stack):
    stack = pool_stack
    worker_a = stack.start_worker(pools=["default"], host="host-a")
    job_id = stack.enqueue(stack.submit(toy_files(), method="big-one"), resource_class="big")

    # Only a default worker: the big job waits, says why and when it would give up, and never fails for it.
    wait_alive(stack, "default", 1)
    time.sleep(2)  # time enough for A to have taken the job, were it to
    status = stack.status(job_id)
    assert status["status"] == "pending" and status["pool"] == "big", status
    assert status["reason"] == "waiting for a worker in pool big"
    assert status["deadline"]
    families = metrics(stack)
    for family in (
        "leaderboard_jobs",
        "leaderboard_queue_depth",
        "leaderboard_job_duration_seconds",
        "leaderboard_workers_alive",
        "leaderboard_websocket_connections",
        "leaderboard_scoring_seconds",
        "leaderboard_gpu_utilization_percent",
        "leaderboard_gpu_memory_used_bytes",
        "leaderboard_gpu_temperature_celsius",
        "django_http_requests_before_middlewares",
    ):
        assert family in families, f"{family} missing from /metrics"
    assert families["leaderboard_queue_depth"][(("pool", "big"),)] == 1 == pending_in_pool_db(stack, "big")
    assert families["leaderboard_queue_depth"][(("pool", "default"),)] == 0
    assert families["leaderboard_jobs"][(("pool", "big"), ("state", "pending"))] == 1
    assert families["leaderboard_workers_alive"][(("pool", "default"),)] == 1
    assert families["leaderboard_workers_alive"][(("pool", "big"),)] == 0

    # Worker B serves big, as a second host: the job completes there.
    worker_b = stack.start_worker(pools=["big"], host="host-b")
    wait_alive(stack, "big", 1)
    status = stack.wait_for(job_id, {"completed", "failed"}, timeout=120)
    assert status["status"] == "completed", status
    log = stack.api("GET", f"/api/jobs/{job_id}/logs").json()["text"]
    assert f"attempt 1/3 on host-b:{worker_b.pid}" in log
    families = metrics(stack)
    assert families["leaderboard_queue_depth"][(("pool", "big"),)] == 0 == pending_in_pool_db(stack, "big")
    assert families["leaderboard_workers_alive"][(("pool", "big"),)] == 1
    assert families["leaderboard_jobs"][(("pool", "big"), ("state", "completed"))] == 1
    assert families["leaderboard_job_duration_seconds"][(("benchmark", "toy"), ("outcome", "completed"))] == 1
    assert families["leaderboard_scoring_seconds"][(("benchmark", "toy"),)] == 1

    # B dies mid-job (SIGKILL: no goodbye). A never takes the job, even once B is known gone.
    slow_id = stack.enqueue(stack.submit(toy_files(main=SLOW_MAIN), method="slow-big"), resource_class="big")
    wait_log(stack, slow_id, "working 1")
    stack.kill(worker_b)
    time.sleep(6)  # past the heartbeat timeout (4 s): B is gone
    assert worker_a.poll() is None
    assert stack.status(slow_id)["status"] in {"running", "pending"}  # lost or re-queued, but not on A

    replacement = stack.start_worker(pools=["big"], host="host-b")
    status = stack.wait_for(slow_id, {"completed", "failed"}, timeout=120)
    assert status["status"] == "completed" and status["attempts"] == 2, status
    log = stack.api("GET", f"/api/jobs/{slow_id}/logs").json()["text"]
    assert f"attempt 1/3 on host-b:{worker_b.pid}" in log
    assert f"attempt 2/3 on host-b:{replacement.pid}" in log
    assert "host-a" not in log
