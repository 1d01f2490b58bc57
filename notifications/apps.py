from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.signals import job_completed, job_failed
        from notifications import receivers

        job_completed.connect(receivers.note_completed_job, dispatch_uid="notifications.job_completed")
        job_failed.connect(receivers.note_failed_job, dispatch_uid="notifications.job_failed")
