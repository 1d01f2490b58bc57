from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks import registry
from jobs import logs
from jobs.api.serializers import (JobCreateSerializer, JobLogSerializer, JobResultSerializer, JobStatusSerializer,
                                  job_status_data)
from jobs.models import JobStatus
from jobs.selectors import job_for, job_status_for, jobs_of
from jobs.services import job_cancel, job_enqueue
from jobs.tracking import run_urls
from leaderboard.errors import Conflict
from leaderboard.selectors import entry_id_for_job


class JobListCreateView(APIView):
    @extend_schema(request=JobCreateSerializer, responses={201: JobStatusSerializer, 200: JobStatusSerializer},
                   operation_id="jobs_create")
    def post(self, request):
        form = JobCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job, created = job_enqueue(
            owner=request.user,
            submission_id=form.validated_data["submission"],
            job_id=form.validated_data.get("job_id"),
            resource_class=form.validated_data.get("resource_class"),
        )
        return Response(job_status_data(job), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: JobStatusSerializer(many=True)}, operation_id="jobs_list", parameters=[
        OpenApiParameter("benchmark", str, description="Only this benchmark's jobs."),
        OpenApiParameter("status", str, enum=JobStatus.values, description="Only jobs in this status."),
    ])
    def get(self, request):
        jobs = jobs_of(user=request.user)
        if request.query_params.get("benchmark"):
            jobs = jobs.filter(benchmark=request.query_params["benchmark"])
        if request.query_params.get("status"):
            jobs = jobs.filter(status=request.query_params["status"])
        return Response(JobStatusSerializer(jobs[:100], many=True).data)


class JobStatusView(APIView):
    @extend_schema(responses={200: JobStatusSerializer}, operation_id="jobs_status")
    def get(self, request, pk):
        return Response(job_status_data(job_status_for(user=request.user, job_id=pk)))


class JobLogsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("offset", int, description="Byte offset to read from (next_offset of the "
                                                                "previous call).")],
        responses={200: JobLogSerializer}, operation_id="jobs_logs",
    )
    def get(self, request, pk):
        job = job_for(user=request.user, job_id=pk)
        try:
            offset = max(0, int(request.query_params.get("offset", 0)))
        except ValueError:
            offset = 0
        chunk = logs.read_chunk(job.pk, offset)
        return Response({"text": chunk.text, "offset": chunk.offset, "next_offset": chunk.next_offset,
                         "complete": chunk.at_end and job.is_terminal})


class JobResultsView(APIView):
    @extend_schema(responses={200: JobResultSerializer}, operation_id="jobs_results")
    def get(self, request, pk):
        job = job_for(user=request.user, job_id=pk)
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"Job is {job.status}; results exist once it is completed.", code="not_completed")
        ui_url, api_url = run_urls(ui_url=settings.MLFLOW_UI_URL, tracking_uri=settings.MLFLOW_TRACKING_URI,
                                   experiment_id=job.experiment_id, run_id=job.run_id)
        try:
            primary = registry.get(job.benchmark).primary_metric
        except registry.UnknownBenchmark:
            primary = ""
        ci = [job.primary_ci_low, job.primary_ci_high] if job.primary_ci_low is not None else None
        return Response({"run_id": job.run_id, "experiment_id": job.experiment_id, "metrics": job.metrics,
                         "primary_metric": primary, "primary_ci": ci,
                         "mlflow_run_url": ui_url, "mlflow_api_url": api_url, "entry": entry_id_for_job(job)})


class JobCancelView(APIView):
    @extend_schema(request=None, responses={200: JobStatusSerializer}, operation_id="jobs_cancel")
    def post(self, request, pk):
        job = job_cancel(job=job_for(user=request.user, job_id=pk), actor=request.user)
        return Response(job_status_data(job))
