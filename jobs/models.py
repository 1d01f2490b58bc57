from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)


class JobPhase(models.TextChoices):
    """Where a running job is; status stays ``running`` through all of them."""

    QUEUED = "queued"
    PREPARING = "preparing"
    INSTALLING = "installing"
    EXECUTING = "executing"
    SCORING = "scoring"
    RECORDING = "recording"
    DONE = "done"


class FailureKind(models.TextChoices):
    """Whose fault a failure was: only ``submission`` failures count against quotas."""

    SUBMISSION = "submission"
    PLATFORM = "platform"


class Job(models.Model):
    # The id doubles as the client's idempotency key (``job_id`` in POST /api/jobs).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey("submissions.Submission", on_delete=models.PROTECT, related_name="jobs")
    # No single-column indexes on owner and benchmark: the composite indexes in Meta lead
    # with them and serve the same lookups; every index is one more B-tree an enqueue writes.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", db_index=False)
    benchmark = models.SlugField(max_length=64, db_index=False)
    # The team the job was made for (its submission's): a team's jobs count against the team's
    # limits and stay the team's when a member leaves or joins another (jobs.team_quota).
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resource_class = models.CharField(max_length=32)

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True)
    phase = models.CharField(max_length=16, choices=JobPhase.choices, default=JobPhase.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    error = models.TextField(blank=True, default="")
    failure_kind = models.CharField(max_length=16, choices=FailureKind.choices, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=128, blank=True, default="")

    # Results: written when scoring succeeds, before MLflow is touched, so a
    # tracking outage never loses them.
    metrics = models.JSONField(default=dict, blank=True)
    private_metrics = models.JSONField(default=dict, blank=True)
    score_notes = models.JSONField(default=dict, blank=True)
    primary_ci_low = models.FloatField(null=True, blank=True)
    primary_ci_high = models.FloatField(null=True, blank=True)
    private_ci_low = models.FloatField(null=True, blank=True)
    private_ci_high = models.FloatField(null=True, blank=True)
    run_id = models.CharField(max_length=64, blank=True, default="")
    experiment_id = models.CharField(max_length=64, blank=True, default="")
    needs_recording = models.BooleanField(default=False)
    reproducibility = models.JSONField(default=dict, blank=True)
    peak_vram_mb = models.FloatField(default=0.0)
    # --- Seeds, compute and reproduction (issue 34; leaderboard/seeds.py, pareto.py, reproduction.py).
    # The training seed the run received as LB_TRAIN_SEED (None: the submission chose its own), and the
    # group of jobs of one "k seeds" request (each of them one job against the limits).
    train_seed = models.PositiveIntegerField(null=True, blank=True)
    seed_group = models.UUIDField(null=True, blank=True, db_index=True)
    # What the sandbox measured: CPU seconds of the run's processes (user + system), and GPU seconds
    # (the run's wall time on a GPU resource class; 0 on CPU).
    cpu_s = models.FloatField(default=0.0)
    gpu_s = models.FloatField(default=0.0)
    # A platform re-run of a completed job from its stored archive (owned by the platform account, so it
    # counts against no one's quota); its score is compared with the original's interval.
    reproduces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reproductions"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # The enqueue's rate window (jobs.selectors.enqueue_check) reads only the owner's recent jobs,
            # however long their history, and counts them from the index alone: status and
            # failure_kind decide whether a job counts, and a table read per job cost an
            # enqueue more than its insert did (docs/performance.md). needs_recording: a platform
            # failure after scoring still counts (selectors.counts_against_quota).
            models.Index(
                fields=["owner", "created_at", "status", "failure_kind", "needs_recording"],
                name="jobs_job_rate_window_idx",
            ),
            models.Index(fields=["benchmark", "status"]),
        ]

    def __str__(self) -> str:
        return f"job {self.id} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def deadline(self) -> datetime | None:
        """When the sweeper gives up on this job: running, the resource class's timeout
        plus grace after it started; pending, the queue deadline. None once finished."""
        if self.status == JobStatus.RUNNING and self.started_at:
            timeout = settings.LB_RESOURCE_CLASSES.get(self.resource_class, {}).get("timeout_s", 3600)
            return self.started_at + timedelta(seconds=timeout + settings.LB_RUN_GRACE_S)
        if self.status == JobStatus.PENDING and self.queued_at:
            return self.queued_at + timedelta(seconds=settings.LB_PENDING_DEADLINE_S)
        return None
