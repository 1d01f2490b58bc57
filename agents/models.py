"""Agent registry (ONNX maze policies), the viewer's episode log, and training runs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelSource(models.TextChoices):
    JOB = "job", "benchmark job"
    TRAINING = "training", "training run"
    UPLOAD = "upload", "upload"
    DEMO = "demo", "demo policy"


class AgentModel(models.Model):
    """One registered ONNX policy. Files live under ``settings.LB_MODELS_DIR``
    and are never rewritten: a new file is a new row (a new version)."""

    name = models.CharField(max_length=128, db_index=True)
    version = models.PositiveIntegerField()
    algorithm = models.CharField(max_length=32, blank=True, default="")
    trained_at = models.DateTimeField(null=True, blank=True)
    success_rate = models.FloatField(null=True, blank=True)
    maze_set = models.CharField(max_length=128, blank=True, default="")
    source = models.CharField(max_length=16, choices=ModelSource.choices)
    source_ref = models.CharField(max_length=64, blank=True, default="")  # job id / training run id
    file = models.CharField(max_length=512)  # path relative to LB_MODELS_DIR
    sha256 = models.CharField(max_length=64, db_index=True)
    sampling = models.CharField(max_length=16, default="greedy")
    metadata = models.JSONField(default=dict, blank=True)
    archived = models.BooleanField(default=False)
    active = models.BooleanField(default=False)
    # Who sees a policy (agents.selectors.models_visible_to): its owner and staff; everyone once its
    # owner publishes it, or once staff make it a baseline (the demo and staff uploads are baselines).
    published = models.BooleanField(default=False)
    baseline = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_models"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="agents_model_name_version"),
            # At most one active model, enforced by the database itself.
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="agents_one_active_model"),
            models.CheckConstraint(condition=~(Q(active=True) & Q(archived=True)), name="agents_active_not_archived"),
            # The viewer's default policy is shown to everyone, so it must be public.
            models.CheckConstraint(
                condition=~Q(active=True) | Q(published=True) | Q(baseline=True), name="agents_active_is_public"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class EpisodeLog(models.Model):
    """Append-only: one row per finished viewer episode (services only insert)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    model = models.ForeignKey(AgentModel, null=True, on_delete=models.SET_NULL, related_name="episodes")
    maze_id = models.CharField(max_length=64)
    steps = models.PositiveIntegerField()
    success = models.BooleanField()
    total_reward = models.FloatField()

    class Meta:
        ordering = ["-created_at", "-id"]


class TrainingStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    STOPPED = "stopped"
    FAILED = "failed"


ACTIVE_TRAINING = (TrainingStatus.QUEUED, TrainingStatus.RUNNING)


class TrainingRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_runs")
    status = models.CharField(
        max_length=16, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED, db_index=True
    )
    params = models.JSONField(default=dict)
    stop_requested = models.BooleanField(default=False)
    latest = models.JSONField(default=dict, blank=True)  # last progress report
    error = models.TextField(blank=True, default="")
    mlflow_run_id = models.CharField(max_length=64, blank=True, default="")
    result_model = models.ForeignKey(AgentModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class TrainingProgress(models.Model):
    """One progress report. Training runs in the worker process, so the
    training socket (web process) reads these rows instead of a channel layer."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="progress")
    episode = models.PositiveIntegerField()
    timesteps = models.PositiveIntegerField(default=0)
    reward = models.FloatField(null=True)
    loss = models.FloatField(null=True)
    success_rate = models.FloatField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
