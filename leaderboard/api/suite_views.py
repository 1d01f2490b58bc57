"""The suite board as JSON and CSV (``GET /api/suites/<suite>``); the page is ``leaderboard.views.suite_page``."""

from __future__ import annotations

import csv
import io

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from leaderboard import suites, units
from leaderboard.api.renderers import cell


class SuiteRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = serializers.CharField()
    method = serializers.CharField()
    mean = serializers.FloatField(allow_null=True, help_text="Mean of the members' primary values.")
    ci = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95% two-level bootstrap interval."
    )
    approx = serializers.BooleanField(help_text="Not significantly different from the line above (paired).")
    members = serializers.DictField(help_text="Per member: {value, job, entry}.")


class SuiteMissingSerializer(serializers.Serializer):
    user = serializers.CharField()
    method = serializers.CharField()
    lacks = serializers.ListField(child=serializers.CharField())
    has = serializers.ListField(child=serializers.CharField())


class SuiteSerializer(serializers.Serializer):
    suite = serializers.CharField()
    members = serializers.ListField(child=serializers.CharField())
    primary_metric = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    metric_info = serializers.ListField(child=serializers.DictField())
    ranked_on = serializers.ChoiceField(choices=["public", "private"])
    board_hidden = serializers.BooleanField()
    rows = SuiteRowSerializer(many=True)
    missing = SuiteMissingSerializer(many=True)


def suite_records(data: dict) -> tuple[list[str], list[list]]:
    """The CSV's header and rows: the JSON's ranked lines, each member's value in its own column, in the
    primary metric's unit and precision."""
    metric = units.metrics_of({"metric_info": data["metric_info"]})[data["primary_metric"]]
    members = data["members"]
    header = ["rank", "user", "method", "mean", "ci_low", "ci_high", "approx", *members]
    header = [units.csv_heading(metric, h) if h in ("mean", "ci_low", "ci_high", *members) else h for h in header]
    rows = []
    for row in data["rows"]:
        ci = row["ci"] or [None, None]
        values = [row["mean"], ci[0], ci[1]]
        member_values = [row["members"][m]["value"] for m in members]
        rows.append(
            [row["rank"], row["user"], row["method"]]
            + [units.csv_value(metric, v) for v in values]
            + [row["approx"]]
            + [units.csv_value(metric, v) for v in member_values]
        )
    return header, rows


class SuiteCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if "rows" in (data or {}):
            header, rows = suite_records(data)
            writer.writerow(header)
            for row in rows:
                writer.writerow([cell(value) for value in row])
        return buffer.getvalue().encode(self.charset)


class SuiteBoardView(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, SuiteCSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("part", str, enum=["public"], description="After the members' reveal: the public part."),
            OpenApiParameter("format", str, enum=["json", "csv"]),
        ],
        responses={(200, "application/json"): SuiteSerializer, (200, "text/csv"): str},
        operation_id="suites_retrieve",
    )
    def get(self, request, suite: str):
        data = suites.suite_board(suite, part=request.query_params.get("part"))
        headers = {}
        if request.accepted_renderer.format == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{suite}-suite.csv"'
        return Response(data, headers=headers)

    def handle_exception(self, exc):
        # Errors are JSON {error, detail} whatever format was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
