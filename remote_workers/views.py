"""The worker API (docs/fleet.md): a remote worker's only door. Worker tokens authenticate here
and nowhere else; user credentials do not open it."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from jobs import remote
from remote_workers import selectors, services
from remote_workers.authentication import IsRemoteWorker, WorkerTokenAuthentication


class WorkerAPIView(APIView):
    authentication_classes = [WorkerTokenAuthentication]
    permission_classes = [IsRemoteWorker]

    def worker_name(self, request: Request) -> str:
        """host:pid (headers X-Worker-Host, X-Worker-Pid) under the token's prefix."""
        try:
            pid = int(request.headers.get("X-Worker-Pid", "0"))
        except ValueError:
            raise InvalidInput("X-Worker-Pid must be an integer.", code="bad_worker") from None
        host = request.headers.get("X-Worker-Host", "")
        return services.remote_worker_name(token=request.user.token, host=host, pid=pid)


class CheckinSerializer(serializers.Serializer):
    version = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    gpus = serializers.ListField(child=serializers.DictField(), required=False, default=list, max_length=64)
    gpu_status = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    telemetry = serializers.ListField(child=serializers.DictField(), required=False, default=list, max_length=64)


class ClaimSerializer(CheckinSerializer):
    pools = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)
    wait_s = serializers.FloatField(required=False, default=30.0, min_value=0, max_value=600)


class HeartbeatSerializer(CheckinSerializer):
    job = serializers.UUIDField(required=False, allow_null=True, default=None)


class FailedSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    exit_code = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    run_s = serializers.FloatField(required=False, default=0.0, min_value=0)


def _checkin(request: Request, data: dict) -> dict:
    """What a claim or heartbeat reports for the fleet record (host and pid from the headers)."""
    return {
        "host": request.headers.get("X-Worker-Host", "remote"),
        "pid": int(request.headers.get("X-Worker-Pid", "0") or 0),
        **{key: data[key] for key in ("version", "gpus", "gpu_status", "telemetry")},
    }


class ClaimView(WorkerAPIView):
    """Long-poll for one job of the token's pools; 204 when none came within ``wait_s``."""

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        serializer = ClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, name = serializer.validated_data, self.worker_name(request)
        job = services.remote_job_claim(
            token=request.user.token,
            name=name,
            checkin=_checkin(request, data),
            pools=data["pools"],
            wait_s=data["wait_s"],
        )
        if job is None:
            return Response(status=204)
        return Response(
            {
                "job": str(job.pk),
                "benchmark": job.benchmark,
                "attempt": job.attempts,
                "worker": name,
                "heartbeat_s": settings.LB_HEARTBEAT_S,
                "plan": remote.run_plan(job),
                "urls": selectors.signed_urls(job, name),
            }
        )


class HeartbeatView(WorkerAPIView):
    """The fleet record's heartbeat (GPU readings) and, with ``job``, the job's; ``owned: false`` stops the run."""

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        owned = services.remote_worker_heartbeat(
            token=request.user.token,
            name=self.worker_name(request),
            checkin=_checkin(request, data),
            job_id=str(data["job"]) if data["job"] else None,
        )
        return Response({"owned": owned})


class StopView(WorkerAPIView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        services.remote_worker_stop(name=self.worker_name(request))
        return Response(status=204)


class UploadGateView(WorkerAPIView):
    """nginx's auth_request before it reads an output upload's body: 204 for a valid worker token."""

    throttle_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(status=204)


class FileView(WorkerAPIView):
    """A claimed job's code or public data, through the signed URL of its claim."""

    @extend_schema(exclude=True)
    def get(self, request: Request, signed: str):
        path, download = selectors.signed_file(signed=signed, token=request.user.token)
        return FileResponse(open(path, "rb"), as_attachment=True, filename=download)


class LogView(WorkerAPIView):
    """Append the run's output to the job's log (raw bytes, at most 256 KiB a call)."""

    @extend_schema(exclude=True)
    def post(self, request: Request, pk) -> Response:
        services.remote_job_log(job_id=str(pk), name=self.worker_name(request), data=request.body)
        return Response(status=204)


class OutputView(WorkerAPIView):
    """The output folder as one tar (multipart ``archive``), with ``run_s`` and ``peak_vram_mb``."""

    @extend_schema(exclude=True)
    def post(self, request: Request, pk) -> Response:
        upload = request.FILES.get("archive")
        if upload is None:
            raise InvalidInput("Send the output folder as the multipart file 'archive'.", code="no_archive")
        try:
            run_s = float(request.data.get("run_s", 0))
            peak_vram_mb = float(request.data.get("peak_vram_mb", 0))
        except (TypeError, ValueError):
            raise InvalidInput("run_s and peak_vram_mb must be numbers.", code="bad_number") from None
        result = services.remote_job_output(
            job_id=str(pk),
            name=self.worker_name(request),
            upload=upload,
            filename=upload.name or remote.OUTPUT_NAME,
            run_s=run_s,
            peak_vram_mb=peak_vram_mb,
        )
        return Response({"result": result})


class FailedView(WorkerAPIView):
    """A run that did not end ``ok``: the job ends as a local worker's would."""

    @extend_schema(exclude=True)
    def post(self, request: Request, pk) -> Response:
        serializer = FailedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.remote_job_failed(job_id=str(pk), name=self.worker_name(request), **serializer.validated_data)
        return Response({"result": result})
