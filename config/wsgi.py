"""WSGI entry point: every plain HTTP request of the production tier (gunicorn, see scripts/serve.sh)."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare_data_dir()  # before the apps load: SQLite files need their folder
django_wsgi_app = get_wsgi_application()

from core.bodylimit import WSGIBodyLimit  # noqa: E402

# The client address is decided in one place, core.proxy.ClientAddressMiddleware, from the
# TCP peer and the X-Forwarded-For hops of LB_TRUSTED_PROXIES; nothing here reads a header.
application = WSGIBodyLimit(django_wsgi_app)
