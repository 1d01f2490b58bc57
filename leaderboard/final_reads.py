"""Reads for final entries: what a side has marked final in a phase, the job page's "Mark as final" control
and ``/api/me``'s marks. Re-exported by ``leaderboard.selectors``, where callers import them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from benchmarks import registry
from jobs.models import Job, JobStatus
from leaderboard.entry_keys import entry_of_job, jobs_of_entry
from leaderboard.models import Entry, FinalMark
from phases import selectors as phases
from phases.models import Phase, PhaseState
from teams.selectors import is_member


def revealed_final_jobs(entry: Entry) -> set:
    """Ids of the entry's jobs whose private part a reveal published (final entries of revealed phases)."""
    return set(FinalMark.objects.filter(entry=entry, phase__revealed_at__isnull=False).values_list("job_id", flat=True))


def entry_jobs(entry: Entry) -> list[Job]:
    return list(
        Job.objects.filter(jobs_of_entry(entry), status=JobStatus.COMPLETED)
        .select_related("submission")
        .order_by("-finished_at")
    )


FINAL_RULE = (
    "Mark up to {n} of your completed entries final (POST /api/entries/<id>/final, or the entry page). "
    "Only final entries are ranked on the private part when the phase is revealed; if you mark none, "
    "your best public entry is used."
)


def finals_summary(*, user: AbstractBaseUser, phase: Phase, team_id: int | None = None) -> dict:
    """What the user (or their team ``team_id``: its marks are every member's) has marked final in the
    phase and how many marks remain."""
    metric = registry.get(phase.benchmark).primary_metric
    marks = list(marks_of_side(phase, user=user, team_id=team_id).select_related("entry", "job"))
    return {
        "team": team_id,
        "benchmark": phase.benchmark,
        "phase": phase.name,
        "phase_id": phase.pk,
        "state": phase.state(timezone.now()),
        "final_max": phase.final_max,
        "remaining": max(phase.final_max - len(marks), 0),
        "marks": [
            {
                "entry": m.entry_id,
                "method": m.entry.method,
                "job": str(m.job_id),
                "public_score": m.job.metrics.get(metric),
                "by_default": m.by_default,
                "marked_at": m.marked_at.isoformat(),
            }
            for m in marks
        ],
        "rule": FINAL_RULE.format(n=phase.final_max),
    }


def marks_of_side(phase: Phase, *, user: AbstractBaseUser, team_id: int | None) -> QuerySet[FinalMark]:
    """The final marks that count against one side's ``final_max``: a team's, or the user's own."""
    marks = FinalMark.objects.filter(benchmark=phase.benchmark, phase=phase.pk)
    if team_id is not None:
        return marks.filter(entry__team_id=team_id)
    return marks.filter(owner=user, entry__team__isnull=True)


def finals_of(user: AbstractBaseUser) -> list[dict]:
    """``/api/me``'s final marks: every benchmark the user has entries on whose phase leads to a reveal."""
    now = timezone.now()
    summaries = []
    for slug in sorted(set(Entry.objects.filter(owner=user).values_list("benchmark", flat=True))):
        try:
            registry.get(slug)
        except registry.UnknownBenchmark:
            continue
        phase = phases.current_phase(slug, now=now)
        if phase.leads_to_reveal:
            summaries.append(finals_summary(user=user, phase=phase))
    return summaries


def entry_id_for_job(job: Job) -> int | None:
    """The board entry a job counts towards (its owner's method on its benchmark); None until it has one."""
    return (
        entry_of_job(benchmark=job.benchmark, owner_id=job.owner_id, team_id=job.team_id, method=job.submission.method)
        .values_list("pk", flat=True)
        .first()
    )


def job_final_choice(*, user: AbstractBaseUser, job: Job) -> dict | None:
    """The job page's "Mark as final" control: the owner's marks in the running private phase, with the
    entry this job counts towards and whether this very job is the one marked. None where no mark can be made."""
    if not user.is_authenticated or job.status != JobStatus.COMPLETED:
        return None
    if job.owner_id != user.pk and not (job.team_id is not None and is_member(user=user, team_id=job.team_id)):
        return None
    try:
        registry.get(job.benchmark)
    except registry.UnknownBenchmark:
        return None
    phase = phases.current_phase(job.benchmark)
    if not phase.leads_to_reveal or phase.state(timezone.now()) != PhaseState.RUNNING:
        return None
    entry_id = entry_id_for_job(job)
    if entry_id is None:
        return None
    summary = finals_summary(user=user, phase=phase, team_id=job.team_id)
    mark = next((m for m in summary["marks"] if m["entry"] == entry_id), None)
    return {
        **summary,
        "entry": entry_id,
        "entry_mark": mark,
        "this_job": mark is not None and mark["job"] == str(job.pk),
    }
