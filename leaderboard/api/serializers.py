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


class MethodCardSerializer(serializers.Serializer):
    description = serializers.CharField(allow_blank=True, help_text="Markdown (render it safely: raw HTML is text).")
    paper_url = serializers.CharField(allow_blank=True)
    code_url = serializers.CharField(allow_blank=True)


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
    dataset_version = serializers.CharField(
        help_text='Id of the hidden test set this row was scored on ("legacy" for jobs from before data-set ids).'
    )
    stale_dataset = serializers.BooleanField(
        help_text="Scored on a hidden set that has since been replaced: not "
        "comparable with rows scored on the current one."
    )
    public_rank = serializers.IntegerField(
        required=False, help_text="After a reveal: rank among the same final entries on the public part."
    )
    rank_change = serializers.IntegerField(required=False, help_text="public_rank - rank (positive: moved up).")
    movement = serializers.CharField(required=False, help_text="The change as shown: ▲3, ▼1 or =.")
    public_metrics = serializers.DictField(child=serializers.FloatField(allow_null=True), required=False)
    card = MethodCardSerializer(allow_null=True, help_text="The entry's method card; null when it has none.")
    seeds = serializers.DictField(
        allow_null=True,
        help_text="The row's seed group: k, each seed's score, mean, sd and the seeds-then-items bootstrap ci.",
    )
    compute = serializers.DictField(
        help_text="The run's measured cost, each as {value, unit}: gpu_s, cpu_s, run_s, peak_vram_mb, "
        "peak_mem_mb, inference_time_ms."
    )
    reproduction = serializers.DictField(
        allow_null=True,
        help_text="The platform's re-run: state (reproduced, not_reproduced, or the re-run's status), both "
        "scores, both jobs and workers.",
    )


class PhaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null: the benchmark has no phase configured.")
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["upcoming", "running", "ended"])
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    timezone = serializers.CharField()
    ranks_on = serializers.CharField(
        help_text="public: ranks on the public part throughout; private: public while "
        "it runs, then the final entries on the private part."
    )
    board_visible = serializers.BooleanField()
    final_max = serializers.IntegerField()
    revealed_at = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.IntegerField(allow_null=True, help_text="Until the start (upcoming) or end (running).")


class MetricInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text='"", "%", "ms", "MB" or "steps".')
    scale = serializers.FloatField(help_text="Shown value = stored value × scale (100 for %).")
    precision = serializers.IntegerField(help_text="Decimals shown, in the unit.")
    higher_is_better = serializers.BooleanField()
    ranked = serializers.BooleanField()


class BoardSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    primary_metric = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    metrics = serializers.ListField(child=serializers.CharField())
    metric_info = MetricInfoSerializer(many=True, help_text="Each metric's unit and precision, in `metrics` order.")
    order = serializers.CharField(
        required=False, help_text="With ?order=: the metric the rows are sorted by (rank stays the board's)."
    )
    ranked_on = serializers.ChoiceField(choices=["public", "private"])
    phase = PhaseSerializer()
    board_hidden = serializers.BooleanField()
    dataset_version = serializers.CharField(allow_null=True, help_text="Id of the current hidden test set.")
    rows = BoardRowSerializer(many=True)


class LimitSerializer(serializers.Serializer):
    name = serializers.CharField()
    benchmark = serializers.CharField(required=False, help_text="Set on a phase's limits.")
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    window_s = serializers.IntegerField(allow_null=True)
    frees_at = serializers.DateTimeField(allow_null=True)


class FinalMarkSerializer(serializers.Serializer):
    job = serializers.UUIDField(
        required=False, help_text="Which completed job of the entry; default: its best public one."
    )


class MarkSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    method = serializers.CharField()
    job = serializers.CharField()
    public_score = serializers.FloatField(allow_null=True)
    by_default = serializers.BooleanField()
    marked_at = serializers.DateTimeField()


class FinalsSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    phase = serializers.CharField()
    phase_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    final_max = serializers.IntegerField()
    remaining = serializers.IntegerField()
    marks = MarkSerializer(many=True)
    rule = serializers.CharField()


class SeedGroupSummarySerializer(serializers.Serializer):
    seed_group = serializers.UUIDField()
    benchmark = serializers.CharField()
    primary_metric = serializers.CharField()
    jobs = serializers.ListField(child=serializers.DictField(), help_text="Each seed's job: id, seed, status.")
    k = serializers.IntegerField(help_text="Completed seeds the numbers below cover.")
    scores = serializers.ListField(child=serializers.DictField(), help_text="Each completed seed's score.")
    mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True, help_text="Sample standard deviation over seeds (k - 1).")
    ci = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95 % interval, seeds then items bootstrap."
    )
