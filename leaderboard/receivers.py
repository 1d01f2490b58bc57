"""How the leaderboard hears of the job side: completed jobs, through ``job_completed``,
and the questions the job pages ask about a job's place on the board."""

from __future__ import annotations

import logging
from pathlib import Path

from leaderboard.board_cache import board_changed
from leaderboard.entry_owner import card_from_submission
from leaderboard.selectors import entry_is_public, is_closed
from leaderboard.services import entry_ensure

logger = logging.getLogger(__name__)


def enter_completed_job(sender, *, job, output_dir: Path | None = None, **kwargs) -> None:
    """A completed job puts its method on the board; once the benchmark's private
    part is public, the job's MLflow run gets its private metrics too. A platform re-run
    (leaderboard/reproduction.py) makes no entry: it only changes its original's badge."""
    if job.reproduces_id is not None:
        board_changed(job.benchmark)
        return
    entry = entry_ensure(
        benchmark=job.benchmark, owner_id=job.owner_id, method=job.submission.method, team_id=job.team_id
    )
    card_from_submission(entry, job.submission)
    board_changed(job.benchmark)
    private = {f"private_{k}": v for k, v in (job.private_metrics or {}).items() if v is not None}
    if job.run_id and private and is_closed(job.benchmark):
        from jobs.tracking import tracker

        tracker().log_metrics(job.run_id, private)


def job_is_public(job) -> bool:
    """The job pages' question: is this completed job's entry on a public board?"""
    return entry_is_public(
        benchmark=job.benchmark, owner_id=job.owner_id, method=job.submission.method, team_id=job.team_id
    )


class JobBoard:
    """What the job pages and the results API ask about a job's place on the board."""

    @staticmethod
    def entry_of(job) -> int | None:
        from leaderboard.selectors import entry_id_for_job

        return entry_id_for_job(job)

    @staticmethod
    def final_choice(*, user, job) -> dict | None:
        from leaderboard.selectors import job_final_choice

        return job_final_choice(user=user, job=job)
