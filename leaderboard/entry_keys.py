"""Which entry a job counts towards: (team, method) for a team's job, (user, method) otherwise.

The one definition the board, the finals and the public-job rule share; a board keys its rows by
:func:`job_key` and its entries by :func:`entry_key`, which agree for a job and its entry.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from leaderboard.models import Entry


def job_key(job) -> tuple:
    if job.team_id is not None:
        return ("team", job.team_id, job.submission.method)
    return ("user", job.owner_id, job.submission.method)


def entry_key(entry: Entry) -> tuple:
    if entry.team_id is not None:
        return ("team", entry.team_id, entry.method)
    return ("user", entry.owner_id, entry.method)


def entry_of_job(*, benchmark: str, owner_id: int, team_id: int | None, method: str) -> QuerySet[Entry]:
    """The entry (a queryset of at most one) a job of these fields counts towards."""
    if team_id is not None:
        return Entry.objects.filter(benchmark=benchmark, team_id=team_id, method=method)
    return Entry.objects.filter(benchmark=benchmark, owner_id=owner_id, team__isnull=True, method=method)


def jobs_of_entry(entry: Entry) -> Q:
    """A filter on jobs for the entry's jobs."""
    if entry.team_id is not None:
        return Q(benchmark=entry.benchmark, team_id=entry.team_id, submission__method=entry.method)
    return Q(benchmark=entry.benchmark, owner_id=entry.owner_id, team__isnull=True, submission__method=entry.method)


def listed_entry_q(prefix: str = "", **entry_filter) -> Q:
    """Jobs whose entry matches ``entry_filter`` (e.g. ``hidden=False``), as a subquery filter.
    ``prefix`` reaches another job's entry: ``"reproduces__"`` is the job a platform re-run re-runs."""
    personal = Entry.objects.filter(
        benchmark=OuterRef(f"{prefix}benchmark"),
        owner_id=OuterRef(f"{prefix}owner_id"),
        team__isnull=True,
        method=OuterRef(f"{prefix}submission__method"),
        **entry_filter,
    )
    team = Entry.objects.filter(
        benchmark=OuterRef(f"{prefix}benchmark"),
        team_id=OuterRef(f"{prefix}team_id"),
        method=OuterRef(f"{prefix}submission__method"),
        **entry_filter,
    )
    return (Q(**{f"{prefix}team__isnull": True}) & Exists(personal)) | (
        Q(**{f"{prefix}team__isnull": False}) & Exists(team)
    )


def with_listed_entry(jobs: QuerySet, **entry_filter) -> QuerySet:
    """The jobs of ``jobs`` whose entry matches ``entry_filter`` (e.g. ``hidden=False``)."""
    return jobs.filter(listed_entry_q(**entry_filter))


def display_name(job) -> str:
    """Who a board row names: the team for a team's job, else the user."""
    return job.team.name if job.team_id is not None else job.owner.username
