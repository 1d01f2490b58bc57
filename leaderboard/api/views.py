from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks import registry
from core.errors import InvalidInput, NotFound
from core.pagination import ListPages
from leaderboard import board_cache, board_extras, selectors, units
from leaderboard.api.renderers import BoardCSVRenderer
from leaderboard.api.serializers import (
    BenchmarkSerializer,
    BoardSerializer,
    FinalMarkSerializer,
    FinalsSerializer,
    SeedGroupSummarySerializer,
)
from leaderboard.finals import final_mark, final_unmark
from leaderboard.seeds import seed_group_summary


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
        parameters=[
            OpenApiParameter("benchmark", str, required=True),
            OpenApiParameter("phase", int, description="A phase id (default: the current phase)."),
            OpenApiParameter(
                "part",
                str,
                enum=["public"],
                description="After a reveal: the phase's public "
                "ranking of every entry instead of the private ranking of final entries.",
            ),
            OpenApiParameter(
                "order",
                str,
                description="A metric name: rows sorted by it, in its direction (missing values last); "
                "each row keeps its board rank.",
            ),
            OpenApiParameter("format", str, enum=["json", "csv"]),
            OpenApiParameter("rank", str, enum=["seed_mean"], description="Rank a seed group on its seed mean."),
            OpenApiParameter("max_gpu_s", float, description="Only runs that used at most this many GPU-seconds."),
            OpenApiParameter("max_cpu_s", float, description="Only runs that used at most this many CPU-seconds."),
        ],
        responses={(200, "application/json"): BoardSerializer, (200, "text/csv"): str},
        operation_id="leaderboard_retrieve",
    )
    def get(self, request):
        slug = request.query_params.get("benchmark")
        if not slug:
            raise InvalidInput("Query parameter 'benchmark' is required.", code="benchmark_required")
        budget, rank_on = board_extras.parse_budget(request.query_params), board_extras.rank_on(request.query_params)
        try:
            if budget or rank_on != "best":  # a filtered or re-ranked board is computed, not cached
                data = selectors.board(
                    slug,
                    phase_id=request.query_params.get("phase"),
                    part=request.query_params.get("part"),
                    rank_on=rank_on,
                    budget=budget,
                ).as_dict()
            else:
                data = board_cache.board_data(
                    slug, phase_id=request.query_params.get("phase"), part=request.query_params.get("part")
                )
        except registry.UnknownBenchmark:
            raise NotFound(f"Unknown benchmark {slug!r}.") from None
        order = request.query_params.get("order")
        if order:
            rows = units.order_rows(data["rows"], registry.get(slug).metrics, order)
            data = {**data, "rows": rows, "order": order}
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


class SeedGroupView(APIView):
    """A "k seeds" request's numbers: each seed's score, mean ± sd, the seeds-then-items interval. Seen by
    whoever may see its jobs (jobs.selectors.jobs_visible_to): their owner, staff, everyone once public."""

    @extend_schema(responses={200: SeedGroupSummarySerializer}, operation_id="seed_groups_retrieve")
    def get(self, request, group):
        return Response(seed_group_summary(user=request.user, group=group))
