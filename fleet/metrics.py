"""Prometheus collectors for the platform's own numbers, read from the database
at scrape time (so workers on other hosts need no scraping: their heartbeats
and job rows are the source). django-prometheus adds the request metrics.

Families (all prefixed ``leaderboard_``): jobs by state and pool, queue depth
per pool, job duration by benchmark and outcome, workers alive per pool, GPU
utilisation/memory/temperature per worker and GPU, WebSocket connections of
this web process, scoring time by benchmark.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
SCORING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_SOCKETS = {"fleet": 0}  # /ws/fleet sockets open in this process (fleet/consumers.py)


def _histogram(
    name: str, doc: str, labels: list[str], samples: dict[tuple, list[float]], buckets
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=labels)
    for key, values in sorted(samples.items()):
        cumulative = [(str(float(le)), sum(1 for v in values if v <= le)) for le in buckets]
        cumulative.append(("+Inf", len(values)))
        family.add_metric(list(key), cumulative, sum_value=sum(values))
    return family


class PlatformCollector(Collector):
    def describe(self):
        return []  # no query at registration time (the default registry would otherwise collect once)

    def collect(self):
        try:
            yield from self._jobs()
            yield from self._workers()
            yield self._sockets()
        except Exception:  # a scrape must not take the page down; the gap in the series tells
            logger.exception("platform metrics failed")

    def _jobs(self):
        from django.conf import settings
        from django.db.models import Count

        from jobs import queue as job_queue
        from jobs.models import TERMINAL_STATUSES, Job, JobStatus
        from jobs.selectors import pool_for

        by_state = GaugeMetricFamily("leaderboard_jobs", "Jobs by state and pool.", labels=["state", "pool"])
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for pool in settings.LB_POOLS:
            for state in JobStatus.values:
                counts[(state, pool)] = 0
        for row in Job.objects.values("status", "resource_class").annotate(n=Count("pk")).order_by():
            counts[(row["status"], pool_for(row["resource_class"]))] += row["n"]
        for (state, pool), value in sorted(counts.items()):
            by_state.add_metric([state, pool], value)
        yield by_state

        depth = GaugeMetricFamily("leaderboard_queue_depth", "Messages waiting in each pool's queue.", labels=["pool"])
        for pool in settings.LB_POOLS:
            depth.add_metric([pool], job_queue.get().pool_depth(pool))
        yield depth

        durations: dict[tuple, list[float]] = defaultdict(list)
        scoring: dict[tuple, list[float]] = defaultdict(list)
        finished = Job.objects.filter(status__in=TERMINAL_STATUSES, started_at__isnull=False, finished_at__isnull=False)
        for benchmark, status, started, ended in finished.values_list(
            "benchmark", "status", "started_at", "finished_at"
        ).iterator():
            durations[(benchmark, status)].append((ended - started).total_seconds())
        for benchmark, seconds in (
            finished.filter(status=JobStatus.COMPLETED)
            .values_list("benchmark", "reproducibility__timings__scoring_s")
            .iterator()
        ):
            if isinstance(seconds, (int, float)):
                scoring[(benchmark,)].append(float(seconds))
        yield _histogram(
            "leaderboard_job_duration_seconds",
            "Run time of finished jobs (start to end).",
            ["benchmark", "outcome"],
            durations,
            DURATION_BUCKETS,
        )
        yield _histogram(
            "leaderboard_scoring_seconds",
            "Time the scorer took per completed job.",
            ["benchmark"],
            scoring,
            SCORING_BUCKETS,
        )

    def _workers(self):
        from django.conf import settings

        from fleet.selectors import live_workers

        alive = GaugeMetricFamily("leaderboard_workers_alive", "Live workers per pool.", labels=["pool"])
        util = GaugeMetricFamily(
            "leaderboard_gpu_utilization_percent", "GPU utilisation.", labels=["worker", "host", "gpu"]
        )
        used = GaugeMetricFamily(
            "leaderboard_gpu_memory_used_bytes", "GPU memory in use.", labels=["worker", "host", "gpu"]
        )
        total = GaugeMetricFamily(
            "leaderboard_gpu_memory_total_bytes", "GPU memory in all.", labels=["worker", "host", "gpu"]
        )
        temp = GaugeMetricFamily(
            "leaderboard_gpu_temperature_celsius", "GPU temperature.", labels=["worker", "host", "gpu"]
        )
        power = GaugeMetricFamily("leaderboard_gpu_power_watts", "GPU power draw.", labels=["worker", "host", "gpu"])
        per_pool = {pool: 0 for pool in settings.LB_POOLS}
        for name, host, pools, telemetry in live_workers().values_list("name", "host", "pools", "telemetry"):
            for pool in pools:
                per_pool[pool] = per_pool.get(pool, 0) + 1
            for reading in telemetry or []:
                labels = [name, host, str(reading.get("index"))]
                for family, key, scale in (
                    (util, "utilization_pct", 1),
                    (used, "memory_used_mb", 2**20),
                    (total, "memory_total_mb", 2**20),
                    (temp, "temperature_c", 1),
                    (power, "power_w", 1),
                ):
                    if reading.get(key) is not None:
                        family.add_metric(labels, float(reading[key]) * scale)
        for pool, count in sorted(per_pool.items()):
            alive.add_metric([pool], count)
        yield from (alive, util, used, total, temp, power)

    def _sockets(self):
        from core.observability import STATE

        family = GaugeMetricFamily(
            "leaderboard_websocket_connections", "Open WebSockets in this web process.", labels=["socket"]
        )
        family.add_metric(["agents"], STATE.get("ws_connections", 0))
        family.add_metric(["fleet"], _SOCKETS["fleet"])
        return family


_REGISTERED: list[PlatformCollector] = []


def register() -> None:
    """Add the collector to the default registry once per process (django-prometheus serves that registry)."""
    if not _REGISTERED:
        collector = PlatformCollector()
        REGISTRY.register(collector)
        _REGISTERED.append(collector)
