"""System checks of the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def secret_key_from_the_environment(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A deployment names its secret key: the per-installation key ``make run`` makes in
    LB_DATA_DIR is for a trial on one machine, not for a deployment's several hosts and backups."""
    if getattr(settings, "SECRET_KEY_FROM_ENV", True):
        return []
    return [
        checks.Error(
            "DJANGO_SECRET_KEY is not set: this process signs with the trial key of LB_DATA_DIR/secret-key "
            "(or, outside manage.py/ASGI/WSGI, the development key in the source).",
            hint='Set DJANGO_SECRET_KEY in .env: python -c "import secrets; print(secrets.token_urlsafe(50))"',
            id="lb.E001",
        )
    ]
