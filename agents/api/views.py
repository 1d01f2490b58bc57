"""REST API: model registry, training, experiments. Business rules live in services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import experiments, selectors, services
from agents.api import serializers as s
from core.errors import NotFound
from core.pagination import ListPages, NewestFirst
from core.permissions import IsStaffOrReadOnly


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ModelListView(GenericAPIView):
    """GET: the registry (``?archived=1`` includes archived versions). POST (staff): upload an ONNX policy."""

    parser_classes = [MultiPartParser, FormParser]
    pagination_class = NewestFirst
    serializer_class = s.AgentModelSerializer

    def get_queryset(self):
        return selectors.model_list(user=self.request.user)

    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(
        operation_id="api_models_list",
        responses=s.AgentModelSerializer(many=True),
        parameters=[s.ModelListQuerySerializer],
    )
    def get(self, request):
        """Published policies and baselines; a signed-in user's own too; staff see all."""
        query = _valid(s.ModelListQuerySerializer, request.query_params)
        page = self.paginate_queryset(
            selectors.model_list(user=request.user, include_archived=query["archived"], job=query.get("job"))
        )
        return self.get_paginated_response(s.AgentModelSerializer(page, many=True).data)

    @extend_schema(request=s.ModelUploadSerializer, responses={201: s.AgentModelSerializer})
    def post(self, request):
        data = _valid(s.ModelUploadSerializer, request.data)
        uploaded = data.pop("file")
        name = data.pop("name")
        model = services.model_upload(uploaded=uploaded, name=name, metadata=data, user=request.user)
        request._request.agents_model_id = model.id
        return Response(s.AgentModelSerializer(model).data, status=201)


class ModelDetailView(APIView):
    parser_classes = [JSONParser]

    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(responses=s.AgentModelSerializer)
    def get(self, request, pk: int):
        model = selectors.model_get(pk, user=request.user)
        if model is None:
            raise NotFound(f"model {pk} does not exist")
        return Response(s.AgentModelSerializer(model).data)

    @extend_schema(request=s.ModelPatchSerializer, responses=s.AgentModelSerializer)
    def patch(self, request, pk: int):
        """Staff: archive or unarchive, make a baseline or not."""
        data = _valid(s.ModelPatchSerializer, request.data)
        if "baseline" in data:
            services.model_set_baseline(model_id=pk, baseline=data["baseline"])
        if "archived" in data:
            services.model_archive(model_id=pk, archived=data["archived"])
        return Response(s.AgentModelSerializer(selectors.model_get(pk, user=request.user)).data)


class ModelPublishView(APIView):
    """POST (the policy's owner or staff): publish it, so everyone may list and replay it;
    ``{"published": false}`` withdraws it."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=s.ModelPublishSerializer, responses=s.AgentModelSerializer, operation_id="api_models_publish"
    )
    def post(self, request, pk: int):
        data = _valid(s.ModelPublishSerializer, request.data)
        model = services.model_publish(model_id=pk, user=request.user, published=data["published"])
        return Response(s.AgentModelSerializer(model).data)


class ActiveModelView(APIView):
    """GET: the active model. POST (staff) ``{"id": N}``: make N active (sockets switch on their next episode)."""

    parser_classes = [JSONParser]

    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(responses=s.AgentModelSerializer)
    def get(self, request):
        model = selectors.active_model()
        if model is None:
            raise NotFound("no active model")
        return Response(s.AgentModelSerializer(model).data)

    @extend_schema(request=s.ActivateSerializer, responses=s.AgentModelSerializer)
    def post(self, request):
        data = _valid(s.ActivateSerializer, request.data)
        request._request.agents_model_id = data["id"]
        return Response(s.AgentModelSerializer(services.model_activate(model_id=data["id"])).data)


class TrainingStartView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=s.TrainingParamsSerializer, responses={202: s.TrainingRunSerializer})
    def post(self, request):
        params = _valid(s.TrainingParamsSerializer, request.data)
        run = services.training_start(user=request.user, params=params)
        return Response(s.TrainingRunSerializer(run).data, status=202)


class TrainingStopView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=s.TrainingRunRefSerializer, responses=s.TrainingRunSerializer)
    def post(self, request):
        run_id = _valid(s.TrainingRunRefSerializer, request.data).get("id")
        run = services.training_stop(user=request.user, run_id=run_id)
        return Response(s.TrainingRunSerializer(run).data)


class TrainingStatusView(APIView):
    """The caller's latest run (or ``?id=``), with its latest progress and recent runs."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.TrainingRunSerializer, parameters=[s.TrainingRunRefSerializer])
    def get(self, request):
        run_id = _valid(s.TrainingRunRefSerializer, request.query_params).get("id")
        run = selectors.training_run_for(user=request.user, run_id=run_id)
        if run is None:
            raise NotFound("no training run yet")
        return Response(s.TrainingRunSerializer(run).data)


class ExperimentListView(GenericAPIView):
    """MLflow experiments holding at least one run the caller may see (staff: all)."""

    permission_classes = [AllowAny]
    pagination_class = ListPages
    serializer_class = s.ExperimentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []  # schema generation: no MLflow call
        return experiments.experiment_list(user=self.request.user)

    @extend_schema(operation_id="api_experiments_list", responses=s.ExperimentSerializer(many=True))
    def get(self, request):
        return self.get_paginated_response(self.paginate_queryset(self.get_queryset()))


class ExperimentDetailView(APIView):
    """An experiment's runs the caller may see: their own jobs' and training runs', and the jobs a shown
    board lists (staff: all). An experiment with none of those is a 404."""

    permission_classes = [AllowAny]

    @extend_schema(responses=s.ExperimentDetailSerializer)
    def get(self, request, pk: str):
        return Response(experiments.experiment_detail(pk, user=request.user))


class EpisodeStatsView(GenericAPIView):
    """Staff: the viewer's episode log, aggregated: success rate and mean steps by model and maze per
    hour, day or week (``?bucket=``), over the last ``?days=`` (30), optionally one ``?model=``/``?maze=``."""

    permission_classes = [IsAdminUser]
    pagination_class = ListPages
    serializer_class = s.EpisodeStatsSerializer

    @extend_schema(
        operation_id="api_episodes_stats",
        responses=s.EpisodeStatsSerializer(many=True),
        parameters=[s.EpisodeStatsQuerySerializer],
    )
    def get(self, request):
        query = _valid(s.EpisodeStatsQuerySerializer, request.query_params)
        rows = selectors.episode_stats(
            bucket=query["bucket"],
            since=timezone.now() - timedelta(days=query["days"]),
            model_id=query.get("model"),
            maze_id=query.get("maze"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.EpisodeStatsSerializer(page, many=True).data)
