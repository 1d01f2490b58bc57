from rest_framework import serializers


class MetricSerializer(serializers.Serializer):
    name = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    label = serializers.CharField(source="display")
    ranked = serializers.BooleanField()


class BenchmarkSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    primary_metric = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    metrics = serializers.SerializerMethodField()

    def get_metrics(self, benchmark) -> list[str]:
        return [metric.name for metric in benchmark.metrics]


class BoardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = serializers.CharField()
    method = serializers.CharField()
    job = serializers.CharField()
    entry = serializers.IntegerField(allow_null=True)
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    submitted_at = serializers.CharField()
    mlflow_run_url = serializers.CharField()
    baseline = serializers.BooleanField()
    ci = serializers.ListField(child=serializers.FloatField(allow_null=True), allow_null=True)
    approx = serializers.BooleanField()
    public_rank = serializers.IntegerField(required=False, allow_null=True)
    rank_change = serializers.IntegerField(required=False, allow_null=True)


class BoardSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    primary_metric = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    ranked_on = serializers.ChoiceField(choices=["public", "private"])
    rows = BoardRowSerializer(many=True)


class LimitSerializer(serializers.Serializer):
    name = serializers.CharField()
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    window_s = serializers.IntegerField(allow_null=True)
    frees_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    limits = LimitSerializer(many=True)
