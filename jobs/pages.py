"""Questions the job pages ask of apps above ``jobs``, answered by those apps in
their ``AppConfig.ready`` (so ``jobs`` imports none of them):

* may anyone see this completed job? (``leaderboard``: its entry is on a public board)
* where can its result be replayed? (``agents``: the viewer, on the policy it registered)

With no app answering, a job is private and has no replay link.
"""

from __future__ import annotations

from typing import Callable

from jobs.models import Job

_public_checks: list[Callable[[Job], bool]] = []
_replay_links: list[Callable[[Job], str]] = []


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
