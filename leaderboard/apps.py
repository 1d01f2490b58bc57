from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        from jobs import pages
        from jobs.signals import job_admission_open, job_admitting, job_completed
        from leaderboard import receivers
        from submissions.signals import submission_admitting

        submission_admitting.connect(receivers.admit_upload, dispatch_uid="leaderboard.admit_upload")
        job_admitting.connect(receivers.admit_job, dispatch_uid="leaderboard.admit_job")
        job_admission_open.connect(receivers.open_to_jobs, dispatch_uid="leaderboard.open_to_jobs")
        job_completed.connect(receivers.enter_completed_job, dispatch_uid="leaderboard.enter_completed_job")
        pages.add_public_check(receivers.job_is_public)
        from jobs.selectors import set_public_jobs_rule
        from leaderboard.selectors import public_jobs

        set_public_jobs_rule(public_jobs)  # the one public-job rule, for the apps below (docs/security.md)
        pages.add_board(receivers.JobBoard)
        from leaderboard import board_cache

        board_cache.connect_signals()
