from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Conflict, InvalidInput
from core.pagination import NewestFirst
from core.validation import validated
from jobs import logs
from jobs.api.serializers import (
    JOB_CREATE_FORM,
    JobCreateSerializer,
    JobListQuerySerializer,
    JobLogQuerySerializer,
    JobLogSerializer,
    JobResultSerializer,
    JobStatusSerializer,
    SeedGroupSerializer,
    job_status_data,
)
from jobs.models import JobStatus
from jobs.selectors import job_for, job_status_for, jobs_of
from jobs.services import job_cancel, job_enqueue, seed_group_enqueue


class JobListCreateView(GenericAPIView):
    pagination_class = NewestFirst
    serializer_class = JobStatusSerializer

    def get_queryset(self):
        return jobs_of(user=self.request.user)

    @extend_schema(
        request=JobCreateSerializer,
        responses={
            201: PolymorphicProxySerializer(
                component_name="JobCreated",
                serializers=[JobStatusSerializer, SeedGroupSerializer],  # the second one with seeds
                resource_type_field_name=None,
            ),
            200: JobStatusSerializer,
        },
        operation_id="jobs_create",
    )
    def post(self, request):
        data = validated(JOB_CREATE_FORM, request.data)
        if data.get("seeds") is not None:  # k training seeds: a seed group (jobs.services.seed_group_enqueue)
            if data.get("job_id"):
                raise InvalidInput("job_id names one job; leave it out with seeds.", code="bad_seeds")
            jobs = seed_group_enqueue(
                owner=request.user,
                submission_id=data["submission"],
                seeds=data["seeds"],
                resource_class=data.get("resource_class"),
            )
            return Response(
                {"seed_group": str(jobs[0].seed_group), "jobs": [job_status_data(job) for job in jobs]},
                status=status.HTTP_201_CREATED,
            )
        job, created = job_enqueue(
            owner=request.user,
            submission_id=data["submission"],
            job_id=data.get("job_id"),
            resource_class=data.get("resource_class"),
        )
        return Response(job_status_data(job), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={200: JobStatusSerializer(many=True)}, operation_id="jobs_list", parameters=[JobListQuerySerializer]
    )
    def get(self, request):
        query = JobListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        jobs = self.get_queryset().filter(**query.validated_data)
        return self.get_paginated_response(JobStatusSerializer(self.paginate_queryset(jobs), many=True).data)


class JobStatusView(APIView):
    @extend_schema(responses={200: JobStatusSerializer}, operation_id="jobs_status")
    def get(self, request, pk):
        return Response(job_status_data(job_status_for(user=request.user, job_id=pk)))


class JobLogsView(APIView):
    @extend_schema(parameters=[JobLogQuerySerializer], responses={200: JobLogSerializer}, operation_id="jobs_logs")
    def get(self, request, pk):
        query = JobLogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        job = job_for(user=request.user, job_id=pk)
        chunk = logs.read_chunk(job.pk, query.validated_data["offset"])
        return Response(
            {
                "text": chunk.text,
                "offset": chunk.offset,
                "next_offset": chunk.next_offset,
                "complete": chunk.at_end and job.is_terminal,
            }
        )


class JobResultsView(APIView):
    @extend_schema(responses={200: JobResultSerializer}, operation_id="jobs_results")
    def get(self, request, pk):
        job = job_for(user=request.user, job_id=pk)
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"Job is {job.status}; results exist once it is completed.", code="not_completed")
        return Response(JobResultSerializer(job).data)


class JobCancelView(APIView):
    @extend_schema(request=None, responses={200: JobStatusSerializer}, operation_id="jobs_cancel")
    def post(self, request, pk):
        job = job_cancel(job=job_for(user=request.user, job_id=pk), actor=request.user)
        return Response(job_status_data(job))
