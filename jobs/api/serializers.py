from django.conf import settings
from rest_framework import serializers

from jobs.models import Job


class JobCreateSerializer(serializers.Serializer):
    submission = serializers.UUIDField()
    job_id = serializers.UUIDField(required=False, help_text="Client-chosen UUID; the idempotency key.")
    resource_class = serializers.CharField(required=False, max_length=32)


class JobStatusSerializer(serializers.ModelSerializer):
    submission = serializers.UUIDField(source="submission_id")
    # Declared, not derived from the model: a PositiveIntegerField's bound depends on the
    # database backend, and the published schema must not.
    attempts = serializers.IntegerField(read_only=True, min_value=0)
    max_attempts = serializers.IntegerField(read_only=True, min_value=1)

    class Meta:
        model = Job
        fields = ["id", "submission", "benchmark", "status", "phase", "attempts", "max_attempts", "resource_class",
                  "created_at", "started_at", "finished_at", "error", "failure_kind"]


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


def resource_class_choices() -> list[str]:
    return sorted(settings.LB_RESOURCE_CLASSES)
