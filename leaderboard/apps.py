from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        from jobs import pages
        from jobs.signals import job_completed
        from leaderboard import receivers

        job_completed.connect(receivers.enter_completed_job, dispatch_uid="leaderboard.enter_completed_job")
        pages.add_public_check(receivers.job_is_public)
        from jobs.selectors import set_public_jobs_rule
        from leaderboard.selectors import public_jobs

        set_public_jobs_rule(public_jobs)  # the one public-job rule, for the apps below (docs/security.md)
        pages.add_board(receivers.JobBoard)
        from leaderboard import board_cache

        board_cache.connect_signals()
