from django.urls import path

from remote_workers import views

urlpatterns = [
    path("api/worker/claim", views.ClaimView.as_view(), name="api-worker-claim"),
    path("api/worker/heartbeat", views.HeartbeatView.as_view(), name="api-worker-heartbeat"),
    path("api/worker/stop", views.StopView.as_view(), name="api-worker-stop"),
    path("api/worker/upload-gate", views.UploadGateView.as_view(), name="api-worker-upload-gate"),
    path("api/worker/files/<str:signed>", views.FileView.as_view(), name="api-worker-file"),
    path("api/worker/jobs/<uuid:pk>/log", views.LogView.as_view(), name="api-worker-job-log"),
    path("api/worker/jobs/<uuid:pk>/output", views.OutputView.as_view(), name="api-worker-job-output"),
    path("api/worker/jobs/<uuid:pk>/failed", views.FailedView.as_view(), name="api-worker-job-failed"),
]
