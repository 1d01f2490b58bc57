from __future__ import annotations

from django.db import models

from jobs.models import Job


class Worker(models.Model):
    """One worker process (``manage.py run_huey``), registered on start and
    heartbeated every ``LB_HEARTBEAT_S``. Alive while its heartbeat is younger
    than ``LB_HEARTBEAT_TIMEOUT_S`` and it has not stopped; otherwise gone."""

    name = models.CharField(max_length=128, unique=True)  # host:pid, as in Job.worker
    host = models.CharField(max_length=255, db_index=True)
    pid = models.PositiveIntegerField()
    version = models.CharField(max_length=64, blank=True, default="")
    pools = models.JSONField(default=list)
    # [{"index", "name", "uuid", "memory_total_mb"}]; empty with gpu_status "no GPU (why)".
    gpus = models.JSONField(default=list, blank=True)
    gpu_status = models.CharField(max_length=255, blank=True, default="")
    # The latest NVML readings: [{"index", "utilization_pct", "memory_used_mb", ...}].
    telemetry = models.JSONField(default=list, blank=True)
    current_job = models.UUIDField(null=True, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)  # a clean shutdown
    gone_at = models.DateTimeField(null=True, blank=True)  # marked by the sweeper once the heartbeat stopped

    class Meta:
        ordering = ["host", "pid"]

    def __str__(self) -> str:
        return self.name


class WaitingJob(Job):
    """Pending jobs, per pool, for staff in admin (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "waiting job"
        ordering = ["queued_at"]
