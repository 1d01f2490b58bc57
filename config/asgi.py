"""ASGI entry point. In production (scripts/serve.sh) it serves the WebSockets
(``/ws/...``, Channels) only: the proxy sends plain HTTP to the WSGI tier.
HTTP here stays for development servers and tests, under the same body limit."""

import os

from django.core.asgi import get_asgi_application

from config.startup import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare_data_dir()  # before the apps load: SQLite files need their folder
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.bodylimit import ASGIBodyLimit  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ASGIBodyLimit(django_asgi_app),
        # Session auth on sockets (the job page's live log is its owner's only).
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
