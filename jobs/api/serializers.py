from datetime import datetime, timedelta

from django.conf import settings
from rest_framework import serializers

from jobs.models import FailureKind, JobPhase, JobStatus
from jobs.selectors import pool_for


class JobCreateSerializer(serializers.Serializer):
    submission = serializers.UUIDField()
    job_id = serializers.UUIDField(required=False, help_text="Client-chosen UUID; the idempotency key.")
    resource_class = serializers.CharField(required=False, max_length=32)


# A plain Serializer, not a ModelSerializer: status is the hottest endpoint, and deriving
# fields from the model on every call costs more than the query. Integer bounds are
# declared, so the published schema does not depend on the database backend.
class JobStatusSerializer(serializers.Serializer):
    """A job's state as its owner sees it."""

    id = serializers.UUIDField(read_only=True)
    submission = serializers.UUIDField(source="submission_id", read_only=True)
    benchmark = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    phase = serializers.ChoiceField(choices=JobPhase.choices, read_only=True)
    attempts = serializers.IntegerField(read_only=True, min_value=0)
    max_attempts = serializers.IntegerField(read_only=True, min_value=1)
    resource_class = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    error = serializers.CharField(read_only=True)
    failure_kind = serializers.ChoiceField(choices=FailureKind.choices, read_only=True, allow_blank=True)
    # --- fleet: where a job waits, and why.
    pool = serializers.SerializerMethodField(help_text="The worker pool its resource class runs in.")
    reason = serializers.SerializerMethodField(
        help_text='Why a pending job waits, e.g. "waiting for a worker in pool gpu-large"; empty otherwise.')
    deadline = serializers.SerializerMethodField(
        help_text="When the sweeper gives up on it: pending, the queue deadline (its clock restarts while no "
                  "worker serves the pool); running, the resource class timeout plus grace. Null when finished.")

    def get_pool(self, job) -> str:
        return pool_for(job.resource_class)

    def get_reason(self, job) -> str:
        if job.status != JobStatus.PENDING:
            return ""
        from fleet.selectors import waiting_reason

        return waiting_reason(job.resource_class)

    def get_deadline(self, job) -> datetime | None:
        if job.status == JobStatus.PENDING and job.queued_at:
            return job.queued_at + timedelta(seconds=settings.LB_PENDING_DEADLINE_S)
        if job.status == JobStatus.RUNNING and job.started_at:
            timeout = settings.LB_RESOURCE_CLASSES.get(job.resource_class, {}).get("timeout_s", 3600)
            return job.started_at + timedelta(seconds=timeout + settings.LB_RUN_GRACE_S)
        return None


class JobLogSerializer(serializers.Serializer):
    text = serializers.CharField()
    offset = serializers.IntegerField()
    next_offset = serializers.IntegerField()
    complete = serializers.BooleanField()


class JobResultSerializer(serializers.Serializer):
    run_id = serializers.CharField()
    experiment_id = serializers.CharField()
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    primary_metric = serializers.CharField()
    primary_ci = serializers.ListField(child=serializers.FloatField(allow_null=True), allow_null=True)
    mlflow_run_url = serializers.CharField()
    mlflow_api_url = serializers.CharField()
    entry = serializers.IntegerField(allow_null=True, help_text="The board entry this job counts towards "
                                     "(POST /api/entries/{entry}/final marks it final); null until it has one.")


def resource_class_choices() -> list[str]:
    return sorted(settings.LB_RESOURCE_CLASSES)


# One bound instance reused for rendering: instantiating a Serializer deep-copies its
# fields on every call, a measurable share of the status endpoint's time.
_STATUS_RENDERER = JobStatusSerializer()


def job_status_data(job) -> dict:
    """The status representation of ``job`` (what ``JobStatusSerializer(job).data`` gives)."""
    return _STATUS_RENDERER.to_representation(job)
