from django.apps import AppConfig


class PhasesConfig(AppConfig):
    name = "phases"

    def ready(self) -> None:
        from phases import cache

        cache.connect_signals()
