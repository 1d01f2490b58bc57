"""``GET /api/compare?a=<job>&b=<job>``: two completed jobs side by side (see leaderboard.compare)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from leaderboard.compare import compare_jobs


class ComparePartSerializer(serializers.Serializer):
    metrics = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per metric: a, b, difference (a − b); for the primary metric also ci (95%, paired "
        "bootstrap), a_better_share (share of resamples where a is better) and differs.",
    )
    slices = serializers.ListField(child=serializers.DictField(), help_text="The same per slice (primary metric).")
    paired = serializers.BooleanField(help_text="Both jobs have per-item results on the same number of items.")


class CompareSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    primary_metric = serializers.CharField()
    metric_info = serializers.ListField(child=serializers.DictField())
    a = serializers.DictField()
    b = serializers.DictField()
    same_dataset = serializers.BooleanField()
    public = ComparePartSerializer()
    private = ComparePartSerializer(
        allow_null=True, help_text="null unless the viewer may see both jobs' private parts (after the reveal)."
    )
    config = serializers.ListField(child=serializers.DictField(), help_text="Config keys that differ: key, a, b.")
    manifest = serializers.DictField(help_text="added, removed, changed (by sha256) files from a to b; unchanged.")


class CompareView(APIView):
    permission_classes = [AllowAny]  # who sees which job is leaderboard.compare's rule (jobs_visible_to)

    @extend_schema(
        parameters=[OpenApiParameter("a", str, required=True), OpenApiParameter("b", str, required=True)],
        responses={200: CompareSerializer},
        operation_id="compare_retrieve",
    )
    def get(self, request):
        return Response(
            compare_jobs(user=request.user, a=request.query_params.get("a", ""), b=request.query_params.get("b", ""))
        )
