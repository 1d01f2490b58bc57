from django.apps import AppConfig


class RemoteWorkersConfig(AppConfig):
    """GPU hosts that hold no secrets: worker tokens and the worker API over HTTPS (docs/fleet.md)."""

    name = "remote_workers"
    verbose_name = "remote workers"
    default_auto_field = "django.db.models.BigAutoField"
