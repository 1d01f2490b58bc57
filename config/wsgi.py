"""WSGI entry point: every plain HTTP request of the production tier (gunicorn, see scripts/serve.sh)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.startup import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare_data_dir()  # before the apps load: SQLite files need their folder
django_wsgi_app = get_wsgi_application()

from core.bodylimit import WSGIBodyLimit  # noqa: E402
from core.wsgi_input import block_reads  # noqa: E402


def _client_from_proxy(app):
    """Behind scripts/serve.sh's proxy the peer is the proxy: the client address is its X-Real-IP."""

    def wrapped(environ, start_response):
        real_ip = environ.get("HTTP_X_REAL_IP")
        if real_ip:
            environ["REMOTE_ADDR"] = real_ip
        return app(environ, start_response)

    return wrapped


application = WSGIBodyLimit(block_reads(django_wsgi_app))
if settings.LB_BEHIND_PROXY:
    application = _client_from_proxy(application)
