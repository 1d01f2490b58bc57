"""``GET /api/jobs/<id>/archive``: the submitted archive of a job, byte for byte, for its owner and staff.

A job's code is never public, whatever the board shows: the rule is ``jobs.selectors.job_for`` (owner
and staff; anyone else, and a job that does not exist, is 404). Rate-limited per user.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from core.downloads import DownloadsPerHour, file_response
from jobs.selectors import job_for


class JobArchiveView(APIView):
    throttle_classes = [DownloadsPerHour]

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        operation_id="jobs_archive",
    )
    def get(self, request, pk: str):
        job = job_for(user=request.user, job_id=pk)
        stored = job.submission.archive.name
        # The attachment's name is ours (the submission id and its stored suffix), not the uploader's.
        return file_response(stored, filename=PurePosixPath(stored).name)
