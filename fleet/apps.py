from django.apps import AppConfig


class FleetConfig(AppConfig):
    """Workers as records, pools, GPU telemetry, the fleet page and /metrics."""

    name = "fleet"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fleet import metrics, selectors
        from jobs import workers

        metrics.register()
        workers.provide(selectors)  # the sweeper and the job API read worker records through jobs.workers
