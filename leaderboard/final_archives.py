"""Staff: a benchmark's final entries as one zip (their submitted archives, streamed: core.downloads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from benchmarks import registry
from core.downloads import Member
from core.errors import NotFound
from leaderboard.models import FinalMark
from phases import selectors as phases


def final_members(slug: str, *, phase_id: str | None = None) -> Iterator[Member]:
    """One member per final mark of the phase (default: the current one), named
    ``<entry id>-<username>-<job id><suffix>``: ids and usernames only, never the free-text method."""
    try:
        registry.get(slug)
    except registry.UnknownBenchmark:
        raise NotFound(f"Unknown benchmark {slug!r}.") from None
    phase = phases.board_phase(slug, phase_id)
    marks = (
        FinalMark.objects.filter(benchmark=slug, phase=phase.pk)
        .select_related("owner", "job__submission")
        .order_by("entry_id", "job_id")
    )
    return _members(list(marks))


def _members(marks: list[FinalMark]) -> Iterator[Member]:
    for mark in marks:
        stored = mark.job.submission.archive.name
        suffix = (
            "".join(PurePosixPath(stored).suffixes[-2:]) if stored.endswith(".tar.gz") else PurePosixPath(stored).suffix
        )
        yield Member(name=f"{mark.entry_id}-{mark.owner.username}-{mark.job_id}{suffix}", stored_name=stored)
