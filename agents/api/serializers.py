from rest_framework import serializers

from agents.models import AgentModel, TrainingRun
from agents.training import MAZE_SETS


class AgentModelSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True, min_value=1)  # backend-independent schema

    class Meta:
        model = AgentModel
        fields = [
            "id",
            "name",
            "version",
            "algorithm",
            "trained_at",
            "success_rate",
            "maze_set",
            "source",
            "source_ref",
            "sha256",
            "sampling",
            "archived",
            "active",
            "published",
            "baseline",
            "created_at",
            "metadata",
        ]


class ModelUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    name = serializers.SlugField(max_length=100)
    algorithm = serializers.CharField(max_length=32, required=False, default="")
    success_rate = serializers.FloatField(required=False, min_value=0.0, max_value=1.0, allow_null=True, default=None)
    maze_set = serializers.CharField(max_length=128, required=False, default="")
    sampling = serializers.ChoiceField(choices=["greedy", "softmax"], required=False, default="greedy")


class ModelPatchSerializer(serializers.Serializer):
    archived = serializers.BooleanField(required=False)
    baseline = serializers.BooleanField(required=False, help_text="staff: public to everyone as a baseline")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("send archived and/or baseline")
        return attrs


class ModelPublishSerializer(serializers.Serializer):
    published = serializers.BooleanField(default=True, help_text="false withdraws a published policy")


class ActivateSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class TrainingParamsSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=["ppo", "dqn"])
    maze_set = serializers.ChoiceField(choices=sorted(MAZE_SETS), default="train-500")
    timesteps = serializers.IntegerField(min_value=1000)
    learning_rate = serializers.FloatField(min_value=1e-6, max_value=0.1, default=0.001)
    gamma = serializers.FloatField(min_value=0.5, max_value=0.9999, default=0.99)
    n_envs = serializers.IntegerField(min_value=1, max_value=64, default=16)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)

    def validate_timesteps(self, value):
        from django.conf import settings

        if value > settings.LB_TRAINING_MAX_TIMESTEPS:
            raise serializers.ValidationError(f"at most {settings.LB_TRAINING_MAX_TIMESTEPS}")
        return value


class TrainingRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "status",
            "params",
            "stop_requested",
            "latest",
            "error",
            "mlflow_run_id",
            "result_model",
            "created_at",
            "started_at",
            "finished_at",
        ]


class TrainingRunRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False, help_text="A training run id; the caller's latest run when absent.")


# Response shapes, for the OpenAPI schema (the views return plain dicts built from MLflow).
class ModelListQuerySerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=False, help_text="include archived versions")
    job = serializers.UUIDField(required=False, help_text="only the policy this benchmark job registered")


class ExperimentSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    lifecycle_stage = serializers.CharField()
    ui_url = serializers.CharField()


class ExperimentRunSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    start_time = serializers.IntegerField(allow_null=True, help_text="milliseconds since the epoch")
    end_time = serializers.IntegerField(allow_null=True, help_text="milliseconds since the epoch")
    metrics = serializers.DictField(child=serializers.FloatField())
    params = serializers.DictField(child=serializers.CharField())
    tags = serializers.DictField(child=serializers.CharField())
    ui_url = serializers.CharField()


class ExperimentDetailSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    ui_url = serializers.CharField()
    runs = ExperimentRunSerializer(many=True)


class EpisodeStatsQuerySerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=["hour", "day", "week"], default="day")
    days = serializers.IntegerField(min_value=1, max_value=366, default=30, help_text="How far back to read.")
    model = serializers.IntegerField(required=False, min_value=1)
    maze = serializers.CharField(required=False, max_length=64)


class EpisodeStatsSerializer(serializers.Serializer):
    period = serializers.DateTimeField()
    model_id = serializers.IntegerField(allow_null=True)
    model = serializers.CharField()
    maze_id = serializers.CharField()
    episodes = serializers.IntegerField()
    successes = serializers.IntegerField()
    success_rate = serializers.FloatField()
    mean_steps = serializers.FloatField()
    mean_reward = serializers.FloatField()
