"""Questions the job pages ask of apps above ``jobs``, answered by those apps in
their ``AppConfig.ready`` (so ``jobs`` imports none of them):

* may anyone see this completed job? (``leaderboard``: its entry is on a public board)
* where can its result be replayed? (``agents``: the viewer, on the policy it registered)
* which board entry does it count towards, and may it be marked final? (``leaderboard``)

With no app answering, a job is private, has no replay link, no entry and no final choice.
"""

from __future__ import annotations

from collections.abc import Callable

from jobs.models import Job

_public_checks: list[Callable[[Job], bool]] = []
_replay_links: list[Callable[[Job], str]] = []
_board: list = []  # the app that keeps the board: entry_of(job), final_choice(user=, job=)


def add_public_check(check: Callable[[Job], bool]) -> None:
    if check not in _public_checks:
        _public_checks.append(check)


def add_replay_link(link: Callable[[Job], str]) -> None:
    if link not in _replay_links:
        _replay_links.append(link)


def is_public(job: Job) -> bool:
    return any(check(job) for check in _public_checks)


def replay_url(job: Job) -> str:
    return next((url for url in (link(job) for link in _replay_links) if url), "")


def add_board(board) -> None:
    """The app that keeps the board answers ``entry_of(job)`` and ``final_choice(user=, job=)``."""
    _board[:] = [board]


def entry_of(job: Job) -> int | None:
    return _board[0].entry_of(job) if _board else None


def final_choice(*, user, job: Job) -> dict | None:
    return _board[0].final_choice(user=user, job=job) if _board else None
