"""``GET /api/benchmarks/<slug>/finals.zip``: staff download every final entry's archive as one zip."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from core.downloads import DownloadsPerHour, zip_response
from leaderboard.final_archives import final_members


class FinalsZipView(APIView):
    permission_classes = [IsAdminUser]
    throttle_classes = [DownloadsPerHour]

    @extend_schema(
        parameters=[OpenApiParameter("phase", int, description="A phase id (default: the current phase).")],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
        operation_id="benchmarks_finals_zip",
    )
    def get(self, request, slug: str):
        members = final_members(slug, phase_id=request.query_params.get("phase"))
        return zip_response(members, filename=f"{slug}-finals.zip")
