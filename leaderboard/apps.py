from django.apps import AppConfig
from django.conf import settings


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        from benchmarks import registry

        registry.load(settings.LB_BENCHMARKS, settings.LB_BENCHMARK_OPTIONS)
