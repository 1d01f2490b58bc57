from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self) -> None:
        from jobs import checks, tasks  # noqa: F401  (registers system checks; Huey tasks with the consumer)
