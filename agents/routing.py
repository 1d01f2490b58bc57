from django.urls import path

from agents import consumers

websocket_urlpatterns = [
    path("ws/inference", consumers.InferenceConsumer.as_asgi()),
    path("ws/training", consumers.TrainingConsumer.as_asgi()),
]
