"""WebSocket routes. Apps with sockets add theirs here."""

from agents.routing import websocket_urlpatterns as agents_websockets
from fleet.routing import websocket_urlpatterns as fleet_websockets
from jobs.routing import websocket_urlpatterns as jobs_websockets

websocket_urlpatterns: list = [*agents_websockets, *fleet_websockets, *jobs_websockets]
