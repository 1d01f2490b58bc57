from channels.auth import AuthMiddlewareStack
from django.urls import path

from fleet.consumers import FleetConsumer

# The session tells the socket who is asking: the fleet is for staff only.
websocket_urlpatterns = [path("ws/fleet/", AuthMiddlewareStack(FleetConsumer.as_asgi()))]
