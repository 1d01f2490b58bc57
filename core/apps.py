from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    """Shared by every app: loads the benchmark registry once Django is set up."""

    name = "core"

    def ready(self) -> None:
        from benchmarks import registry
        from core import checks  # noqa: F401  (registers the deployment checks)

        registry.load(settings.LB_BENCHMARKS, settings.LB_BENCHMARK_OPTIONS)
