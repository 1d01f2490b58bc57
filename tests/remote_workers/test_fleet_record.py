"""A remote worker is a fleet record like a local one: host, pools, GPUs and NVML readings reported
through its claims and heartbeats, on the fleet snapshot and in /metrics; a pool it serves is live."""

from __future__ import annotations

import pytest

from fleet.selectors import fleet_snapshot, live_pools
from tests.remote_workers.conftest import claim

pytestmark = pytest.mark.django_db

GPU = {"index": 0, "name": "NVIDIA A100", "uuid": "GPU-1", "memory_total_mb": 40960}
READING = {"index": 0, "utilization_pct": 87.0, "memory_used_mb": 1234.0, "memory_total_mb": 40960.0}


def test_a_remote_worker_shows_on_the_fleet_page_and_in_metrics(worker_for, gpu_pool, as_staff, settings):
    settings.LB_METRICS_ALLOW = ["127.0.0.1/32"]
    worker = worker_for([gpu_pool], host="lab-b-gpu-01", pid=42)
    claim(worker, gpus=[GPU], gpu_status="1 GPU", telemetry=[READING])
    assert gpu_pool in live_pools()
    worker.post("/api/worker/heartbeat", {"telemetry": [{**READING, "utilization_pct": 55.0}]}, format="json")

    (row,) = fleet_snapshot()
    assert row["host"] == "lab-b-gpu-01 (remote)" and row["pid"] == 42 and row["pools"] == [gpu_pool]
    assert row["gpus"] == [GPU] and row["telemetry"][0]["utilization_pct"] == 55.0
    assert row["state"] == "alive" and row["name"].endswith(f"@lbw_{worker.token.prefix}")

    metrics = as_staff.get("/metrics").content.decode()
    assert "lab-b-gpu-01" in metrics

    worker.post("/api/worker/stop", {}, format="json")
    assert gpu_pool not in live_pools()
