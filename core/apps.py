from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    """Shared by every app: loads the benchmark registry once Django is set up."""

    name = "core"

    def ready(self) -> None:
        from benchmarks import registry

        registry.load(settings.LB_BENCHMARKS, settings.LB_BENCHMARK_OPTIONS)
