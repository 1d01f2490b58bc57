from django.apps import AppConfig


class FleetConfig(AppConfig):
    """Workers as records, pools, GPU telemetry, the fleet page and /metrics."""

    name = "fleet"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fleet import metrics

        metrics.register()
