from django.apps import AppConfig


class SiteWideConfig(AppConfig):
    name = "site_wide"

    def ready(self) -> None:
        from site_wide import checks  # noqa: F401  (registers the deploy checks)
