import csv
import io

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks import registry
from leaderboard import health, selectors
from leaderboard.api.serializers import BenchmarkSerializer, BoardSerializer, MeSerializer
from leaderboard.errors import InvalidInput, NotFound
from leaderboard.quotas import quotas_for
from leaderboard.ratelimits import enforce


def _anonymous_limit(request) -> None:
    from django.conf import settings

    if not request.user.is_authenticated:
        enforce(request, group="anon", key=f"ip:{request.META.get('REMOTE_ADDR', '')}", rate=settings.LB_RATE_ANON,
                what="anonymous requests")


class BenchmarkListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: BenchmarkSerializer(many=True)}, operation_id="benchmarks_list")
    def get(self, request):
        _anonymous_limit(request)
        return Response(BenchmarkSerializer(registry.all_benchmarks(), many=True).data)


def board_csv(board_data: dict, metric_names: list[str]) -> str:
    """The JSON board's rows and columns, flattened (metrics become columns)."""
    buffer = io.StringIO()
    rows = board_data["rows"]
    base = [key for key in (rows[0].keys() if rows else ["rank", "user", "method", "job", "entry", "metrics",
                                                          "submitted_at", "mlflow_run_url", "baseline", "ci",
                                                          "approx"]) if key not in ("metrics", "ci")]
    header = base + ["ci_low", "ci_high"] + metric_names
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        ci = row.get("ci") or [None, None]
        writer.writerow([_cell(row[key]) for key in base] + [_cell(ci[0]), _cell(ci[1])]
                        + [_cell(row["metrics"].get(name)) for name in metric_names])
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class LeaderboardView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("benchmark", str, required=True),
                    OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={200: BoardSerializer}, operation_id="leaderboard_retrieve",
    )
    def get(self, request):
        _anonymous_limit(request)
        slug = request.query_params.get("benchmark")
        if not slug:
            raise InvalidInput("Query parameter 'benchmark' is required.", code="benchmark_required")
        try:
            board = selectors.board(slug)
        except registry.UnknownBenchmark:
            raise NotFound(f"Unknown benchmark {slug!r}.") from None
        data = board.as_dict()
        if request.query_params.get("format") == "csv":
            response = HttpResponse(board_csv(data, [m.name for m in board.benchmark.metrics]),
                                    content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{slug}-leaderboard.csv"'
            return response
        return Response(data)

    # DRF picks a renderer from ?format=; keep csv for our own handling above.
    def perform_content_negotiation(self, request, force=False):
        if request.query_params.get("format") == "csv":
            return super().perform_content_negotiation(request, force=True)
        return super().perform_content_negotiation(request, force)


class HealthView(APIView):
    """Readiness (``/health/ready``, and ``/health`` as its alias): 503 only when
    the database or the queue is down; MLflow is reported, not fatal."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict, 503: dict}, operation_id="health_ready")
    def get(self, request):
        ready, status, checks = health.readiness()
        return Response({"status": status, "checks": checks}, status=200 if ready else 503)


class HealthAliasView(HealthView):
    """``/health``: kept for existing probes; the schema documents ``/health/ready``."""

    @extend_schema(exclude=True)
    def get(self, request):
        return super().get(request)


class LiveView(APIView):
    """Liveness: the process answers. Touches no dependency."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict}, operation_id="health_live")
    def get(self, request):
        return Response({"status": "ok"})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer}, operation_id="me")
    def get(self, request):
        return Response({"username": request.user.username, "is_staff": request.user.is_staff,
                         "limits": quotas_for(request.user)})


class BareView(APIView):
    """The yardstick for bench/api_latency.py: token auth and one row, nothing else.

    Routed only when LB_BENCH_VIEWS is on.
    """

    @extend_schema(exclude=True)
    def get(self, request):
        from django.contrib.auth import get_user_model

        row = get_user_model().objects.filter(pk=request.user.pk).values("id", "username").first()
        return Response(row)
