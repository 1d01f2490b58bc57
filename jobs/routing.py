from django.urls import path

from jobs import consumers

websocket_urlpatterns = [
    path("ws/jobs/<uuid:job_id>/live", consumers.JobLiveConsumer.as_asgi()),
]
