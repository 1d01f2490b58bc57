from datetime import datetime

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobs.models import FailureKind, JobPhase, JobStatus
from jobs.selectors import pool_for


class JobCreateSerializer(serializers.Serializer):
    submission = serializers.UUIDField()
    job_id = serializers.UUIDField(required=False, help_text="Client-chosen UUID; the idempotency key.")
    resource_class = serializers.CharField(required=False, max_length=32)
    seeds = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        help_text="Run k training seeds (LB_TRAIN_SEED=0..k-1), one job each, up to the benchmark's cap; "
        "answered with the seed group and its jobs. Not with job_id.",
    )


class SeedGroupSerializer(serializers.Serializer):
    seed_group = serializers.UUIDField()
    jobs = serializers.ListField(child=serializers.DictField())


JOB_CREATE_FORM = JobCreateSerializer()  # validates every enqueue (core.validation)


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
        help_text='Why a pending job waits, e.g. "waiting for a worker in pool gpu-large"; empty otherwise.'
    )
    deadline = serializers.SerializerMethodField(
        help_text="When the sweeper gives up on it: pending, the queue deadline (its clock restarts while no "
        "worker serves the pool); running, the resource class timeout plus grace. Null when finished."
    )

    def get_pool(self, job) -> str:
        return pool_for(job.resource_class)

    def get_reason(self, job) -> str:
        if job.status != JobStatus.PENDING:
            return ""
        from jobs import workers

        return workers.view().waiting_reason(job.resource_class)

    def get_deadline(self, job) -> datetime | None:
        return job.deadline()


class JobLogSerializer(serializers.Serializer):
    text = serializers.CharField()
    offset = serializers.IntegerField()
    next_offset = serializers.IntegerField()
    complete = serializers.BooleanField()


class JobListQuerySerializer(serializers.Serializer):
    benchmark = serializers.CharField(required=False, help_text="Only this benchmark's jobs.")
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False, help_text="Only jobs in this status.")


class JobLogQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(
        min_value=0, default=0, help_text="Byte offset to read from (next_offset of the previous call)."
    )


class JobResultSerializer(serializers.Serializer):
    """A completed job's results, read from the job row (MLflow links are built, not fetched)."""

    run_id = serializers.CharField()
    experiment_id = serializers.CharField()
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    primary_metric = serializers.SerializerMethodField()
    primary_ci = serializers.SerializerMethodField()
    mlflow_run_url = serializers.SerializerMethodField()
    mlflow_api_url = serializers.SerializerMethodField()

    def get_primary_metric(self, job) -> str:
        from benchmarks import registry

        try:
            return registry.get(job.benchmark).primary_metric
        except registry.UnknownBenchmark:
            return ""

    @extend_schema_field(serializers.ListField(child=serializers.FloatField(allow_null=True), allow_null=True))
    def get_primary_ci(self, job) -> list[float | None] | None:
        return [job.primary_ci_low, job.primary_ci_high] if job.primary_ci_low is not None else None

    slices = serializers.SerializerMethodField(
        help_text="The primary metric on each slice the benchmark declares (anomaly: defect type; maze: "
        "shortest-path length), public part, with its 95% bootstrap interval: [{group, name, n, metric, value, ci}]."
    )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_slices(self, job) -> list[dict]:
        from jobs.scoring.slices import job_slices

        return job_slices(job, "public")

    def _urls(self, job) -> tuple[str, str]:
        from jobs.tracking import run_urls

        return run_urls(
            ui_url=settings.MLFLOW_UI_URL,
            tracking_uri=settings.MLFLOW_TRACKING_URI,
            experiment_id=job.experiment_id,
            run_id=job.run_id,
        )

    def get_mlflow_run_url(self, job) -> str:
        return self._urls(job)[0]

    def get_mlflow_api_url(self, job) -> str:
        return self._urls(job)[1]

    entry = serializers.SerializerMethodField(
        help_text="The board entry this job counts towards "
        "(POST /api/entries/{entry}/final marks it final); null until it has one."
    )

    def get_entry(self, job) -> int | None:
        from jobs import pages

        return pages.entry_of(job)


def resource_class_choices() -> list[str]:
    return sorted(settings.LB_RESOURCE_CLASSES)


# One bound instance reused for rendering: instantiating a Serializer deep-copies its
# fields on every call, a measurable share of the status endpoint's time.
_STATUS_RENDERER = JobStatusSerializer()


def job_status_data(job) -> dict:
    """The status representation of ``job`` (what ``JobStatusSerializer(job).data`` gives)."""
    return _STATUS_RENDERER.to_representation(job)
