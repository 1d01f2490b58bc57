"""The shipped Grafana dashboard queries only metric families /metrics serves."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT

SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _family(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@pytest.mark.django_db
def test_every_dashboard_query_names_a_served_family(staff, live_worker):
    from fleet.services import worker_heartbeat

    worker = live_worker(
        pools=["default"], gpus=[{"index": 0, "name": "H200", "uuid": "GPU-x", "memory_total_mb": 143771}]
    )
    worker_heartbeat(
        name=worker.name,
        current_job=None,
        telemetry=[
            {
                "index": 0,
                "name": "H200",
                "utilization_pct": 87.0,
                "memory_used_mb": 1022.0,
                "memory_total_mb": 143771.0,
                "temperature_c": 41.0,
                "power_w": 310.5,
                "processes": {},
            }
        ],
    )
    client = Client()
    client.force_login(staff)
    client.get("/fleet/")  # a request through the middleware, so the request metrics have samples
    text = client.get("/metrics").content.decode()
    families = {_family(f.name): f for f in text_string_to_metric_families(text)}
    gpu = {s.name: s.value for s in families["leaderboard_gpu_utilization_percent"].samples}
    assert gpu == {"leaderboard_gpu_utilization_percent": 87.0}
    temps = [s.value for s in families["leaderboard_gpu_temperature_celsius"].samples]
    assert temps == [41.0]

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "leaders-board-fleet.json").read_text())
    queried = {
        _family(name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(?:leaderboard|django)_[a-z_]+", target["expr"])
    }
    assert queried and not queried - set(families), sorted(queried - set(families))
