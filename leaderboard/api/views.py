from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from benchmarks import registry
from config import health
from core.errors import InvalidInput, NotFound
from core.pagination import ListPages
from leaderboard import board_cache, selectors
from leaderboard.api.renderers import BoardCSVRenderer
from leaderboard.api.serializers import (BenchmarkSerializer, BoardSerializer, FinalMarkSerializer, FinalsSerializer,
                                         MeSerializer)
from leaderboard.finals import final_mark, final_unmark
from leaderboard.quotas import quotas_for


class BenchmarkListView(GenericAPIView):
    permission_classes = [AllowAny]
    pagination_class = ListPages
    serializer_class = BenchmarkSerializer

    def get_queryset(self):
        return list(registry.all_benchmarks())

    @extend_schema(responses={200: BenchmarkSerializer(many=True)}, operation_id="benchmarks_list")
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BenchmarkSerializer(page, many=True).data)


class LeaderboardView(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, BoardCSVRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("benchmark", str, required=True),
                    OpenApiParameter("phase", int, description="A phase id (default: the current phase)."),
                    OpenApiParameter("part", str, enum=["public"], description="After a reveal: the phase's public "
                                     "ranking of every entry instead of the private ranking of final entries."),
                    OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={(200, "application/json"): BoardSerializer, (200, "text/csv"): str},
        operation_id="leaderboard_retrieve",
    )
    def get(self, request):
        slug = request.query_params.get("benchmark")
        if not slug:
            raise InvalidInput("Query parameter 'benchmark' is required.", code="benchmark_required")
        try:
            data = board_cache.board_data(slug, phase_id=request.query_params.get("phase"),
                                          part=request.query_params.get("part"))
        except registry.UnknownBenchmark:
            raise NotFound(f"Unknown benchmark {slug!r}.") from None
        headers = {}
        if request.accepted_renderer.format == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{slug}-leaderboard.csv"'
        return Response(data, headers=headers)

    def handle_exception(self, exc):
        # Errors are JSON {error, detail} whatever format the board was asked in.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class EntryFinalView(APIView):
    """Mark one of your entries final for the current phase's private ranking, or unmark it."""

    @extend_schema(request=FinalMarkSerializer, responses={200: FinalsSerializer}, operation_id="entries_final_mark")
    def post(self, request, pk: int):
        form = FinalMarkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = form.validated_data.get("job")
        return Response(final_mark(user=request.user, entry_id=pk, job_id=str(job) if job else None))

    @extend_schema(responses={200: FinalsSerializer}, operation_id="entries_final_unmark")
    def delete(self, request, pk: int):
        return Response(final_unmark(user=request.user, entry_id=pk))


class HealthView(APIView):
    """Readiness (``/health/ready``, and ``/health`` as its alias): 503 only when
    the database or the queue is down; MLflow is reported, not fatal.

    Everyone gets the status word and the status code (what a probe needs); only staff
    (session or token) get each check's detail: the database engine, the queue's class
    and the MLflow address are a map of the deployment for anyone else."""

    permission_classes = [AllowAny]
    throttle_classes: list = []  # probes are never rate-limited

    def perform_authentication(self, request) -> None:
        pass  # lazily, in get(): a probe's missing or stale credential must not turn into a 401

    @extend_schema(responses={200: dict, 503: dict}, operation_id="health_ready")
    def get(self, request):
        ready, status, checks = health.readiness()
        body = {"status": status, "checks": checks} if _is_staff(request) else {"status": status}
        return Response(body, status=200 if ready else 503)


def _is_staff(request) -> bool:
    try:
        return bool(request.user and request.user.is_staff)
    except APIException:  # a bad credential: just not staff
        return False


class HealthAliasView(HealthView):
    """``/health``: kept for existing probes; the schema documents ``/health/ready``."""

    @extend_schema(exclude=True)
    def get(self, request):
        return super().get(request)


class LiveView(APIView):
    """Liveness: the process answers. Touches no dependency."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []  # probes are never rate-limited

    @extend_schema(responses={200: dict}, operation_id="health_live")
    def get(self, request):
        return Response({"status": "ok"})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer}, operation_id="me")
    def get(self, request):
        return Response({"username": request.user.username, "is_staff": request.user.is_staff,
                         "limits": quotas_for(request.user), "finals": selectors.finals_of(request.user)})


class BareView(APIView):
    """The yardstick for bench/api_latency.py: token auth and one row, nothing else.

    Routed only when LB_BENCH_VIEWS is on.
    """

    @extend_schema(exclude=True)
    def get(self, request):
        from django.contrib.auth import get_user_model

        row = get_user_model().objects.filter(pk=request.user.pk).values("id", "username").first()
        return Response(row)
