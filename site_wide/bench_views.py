"""Views that exist only to be timed; config/urls.py routes them when LB_BENCH_VIEWS is on
(a deploy check, site_wide/checks.py, refuses that in production)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView


class BareView(APIView):
    """The yardstick for bench/api_latency.py: token auth and one row, nothing else.

    Routed only when LB_BENCH_VIEWS is on.
    """

    @extend_schema(exclude=True)
    def get(self, request):
        row = get_user_model().objects.filter(pk=request.user.pk).values("id", "username").first()
        return Response(row)
