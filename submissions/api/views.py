from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import NewestFirst
from core.validation import validated
from submissions.api.serializers import (
    SUBMISSION_CREATE_FORM,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    submission_data,
)
from submissions.selectors import submission_for
from submissions.services import submission_create
from submissions.throttles import SubmissionsPerDay, SubmissionsPerHour
from submissions.upload import SubmissionMultiPartParser


class SubmissionListCreateView(GenericAPIView):
    pagination_class = NewestFirst
    serializer_class = SubmissionSerializer
    throttle_classes = [SubmissionsPerHour, SubmissionsPerDay]  # uploads only (POST)
    parser_classes = [SubmissionMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": SubmissionCreateSerializer},
        responses={201: SubmissionSerializer},
        operation_id="submissions_create",
    )
    def post(self, request):
        data = validated(SUBMISSION_CREATE_FORM, request.data)
        archive = request.FILES.get("archive")
        submission = submission_create(
            owner=request.user,
            benchmark=data["benchmark"],
            method=data["method"],
            entrypoint=data["entrypoint"],
            config_file=data["config_file"],
            upload=archive,
            upload_name=archive.name if archive else "",
            files=request.FILES.getlist("files"),
            description=data["description"],
            paper_url=data["paper_url"],
            code_url=data["code_url"],
            team_id=data["team"],
        )
        return Response(submission_data(submission), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SubmissionSerializer(many=True)}, operation_id="submissions_list")
    def get(self, request):
        return self.get_paginated_response(
            SubmissionSerializer(self.paginate_queryset(self.get_queryset()), many=True).data
        )

    def get_queryset(self):
        from submissions.models import Submission

        user = self.request.user
        return Submission.objects.all() if user.is_staff else Submission.objects.filter(owner=user)


class SubmissionDetailView(APIView):
    @extend_schema(responses={200: SubmissionSerializer}, operation_id="submissions_retrieve")
    def get(self, request, pk):
        return Response(submission_data(submission_for(user=request.user, submission_id=pk)))
