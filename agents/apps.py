from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def bootstrap(self) -> str:
        """Called by ``manage.py bootstrap``: make sure the demo policy is registered."""
        from agents.services import demo_model_ensure

        model, created = demo_model_ensure()
        return f"demo policy {model} {'registered and activated' if created else 'already registered'}"
