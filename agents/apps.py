from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agents.receivers import register_policy_of_completed_job, replay_link
        from jobs import pages
        from jobs.signals import job_completed

        job_completed.connect(register_policy_of_completed_job, dispatch_uid="agents.register_policy")
        pages.add_replay_link(replay_link)

    def bootstrap(self) -> str:
        """Called by ``manage.py bootstrap``: make sure the demo policy is registered."""
        from agents.services import demo_model_ensure

        model, created = demo_model_ensure()
        return f"demo policy {model} {'registered and activated' if created else 'already registered'}"
