"""The probes (``/health``, ``/health/ready``, ``/health/live``) and ``/api/me``."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from leaderboard import selectors
from leaderboard.quotas import quotas_for
from site_wide import health
from site_wide.serializers import MeSerializer


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
        return Response(
            {
                "username": request.user.username,
                "is_staff": request.user.is_staff,
                "limits": quotas_for(request.user),
                "finals": selectors.finals_of(request.user),
            }
        )
