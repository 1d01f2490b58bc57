from django.urls import path

from agents import views
from agents.api import views as api

urlpatterns = [
    path("api/models", api.ModelListView.as_view(), name="api-models"),
    path("api/models/active", api.ActiveModelView.as_view(), name="api-model-active"),
    path("api/models/<int:pk>", api.ModelDetailView.as_view(), name="api-model"),
    path("api/models/<int:pk>/publish", api.ModelPublishView.as_view(), name="api-model-publish"),
    path("api/training/start", api.TrainingStartView.as_view(), name="api-training-start"),
    path("api/training/stop", api.TrainingStopView.as_view(), name="api-training-stop"),
    path("api/training/status", api.TrainingStatusView.as_view(), name="api-training-status"),
    path("api/experiments", api.ExperimentListView.as_view(), name="api-experiments"),
    path("api/experiments/<str:pk>", api.ExperimentDetailView.as_view(), name="api-experiment"),
    path("api/episodes", api.EpisodeStatsView.as_view(), name="api-episodes"),
    path("agents/", views.viewer_page, name="agents-viewer"),
    path("agents/episodes/", views.episodes_page, name="agents-episodes"),
    path("agents/models/<int:pk>/publish", views.model_publish_page, name="agents-model-publish"),
    path("agents/training/", views.training_page, name="agents-training"),
    path("agents/experiments/", views.experiments_page, name="agents-experiments"),
]
