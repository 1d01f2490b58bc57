"""``/api/``: the browsable API's front door, listing every resource."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

RESOURCES = ["api-benchmarks", "api-leaderboard", "api-me", "api-submissions", "api-jobs", "api-tokens"]


class ApiRootView(APIView):
    """The leaders-board API. Sign in (link at the top right) to browse your own submissions and jobs;
    scripts send `Authorization: Bearer <token>` (make one at /tokens/)."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        links = {name.removeprefix("api-"): reverse(name, request=request) for name in RESOURCES}
        links["docs"] = reverse("swagger-ui", request=request)
        links["schema"] = reverse("schema", request=request)
        return Response(links)
