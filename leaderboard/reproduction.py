"""Reproduced by the platform: when a phase ends (or on a staff action) the top k lines of its board are run
again from their stored archives, and each gets a verdict.

* The re-runs are jobs like any other (same submission, same training seed, same resource class) with
  ``reproduces`` pointing at the original, owned by the platform's own account (``LB_PLATFORM_USER``), so
  they count against no participant's limits, and no board lists them (leaderboard/selectors.board).
* Verdict: **reproduced** when the re-run's primary score falls inside the original's 95 % interval (the
  one the board printed; the same bootstrap, jobs/scoring/intervals.py), **not reproduced** otherwise,
  with both scores, both jobs and the worker each ran on (their reproducibility records also name the
  image and package lock).
* Once per phase: a ``PhaseAudit`` row ``reproduce`` marks a phase done (written under the phase row's
  lock), and each original gets at most one re-run (jobs.services.job_reproduce locks it).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from benchmarks import registry
from jobs.models import Job, JobStatus
from jobs.services import job_reproduce
from leaderboard import ranking
from phases.models import Phase, PhaseAudit, RankedPart

logger = logging.getLogger(__name__)

# Phases that ended longer ago than this are not looked at by the periodic task (a new installation with
# an old history does not re-run it all at once; staff can still ask for any board).
RECENT = timedelta(days=7)


def platform_user() -> AbstractBaseUser:
    """The account that owns re-runs: inactive, no password, so nobody signs in as it."""
    user, created = get_user_model().objects.get_or_create(
        username=settings.LB_PLATFORM_USER, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def newest_reruns(jobs: list[Job]) -> dict:
    """The newest re-run of each of ``jobs`` that has one, by original id: one query for a whole board."""
    newest: dict = {}
    for rerun in Job.objects.filter(reproduces__in=[job.pk for job in jobs]).order_by("reproduces_id", "created_at"):
        newest[rerun.reproduces_id] = rerun  # ordered oldest first: the last one stays
    return newest


def verdict(job: Job, rerun: Job | None | bool = False) -> dict | None:
    """The newest platform re-run of ``job`` (or the given one, from :func:`newest_reruns`) and what it
    says; None when it has none."""
    if rerun is False:
        rerun = job.reproductions.order_by("-created_at").first() if job.pk else None
    if rerun is None:
        return None
    metric = registry.get(job.benchmark).primary_metric
    original, again = job.metrics.get(metric), rerun.metrics.get(metric)
    low, high = job.primary_ci_low, job.primary_ci_high
    result = {
        "state": rerun.status,  # pending, running, failed, cancelled until it completes
        "original_job": str(job.pk),
        "rerun_job": str(rerun.pk),
        "original_score": original,
        "rerun_score": again if rerun.status == JobStatus.COMPLETED else None,
        "interval": [low, high] if low is not None and high is not None else None,
        "original_worker": job.worker,
        "rerun_worker": rerun.worker,
    }
    if rerun.status == JobStatus.COMPLETED:
        result["state"] = "reproduced" if _inside(again, original, low, high) else "not_reproduced"
        data = [(j.reproducibility or {}).get("dataset_version") for j in (job, rerun)]
        if all(data) and data[0] != data[1]:  # re-scored on a renewed hidden set (rotate_hidden_data): not comparable
            result["state"] = "other_data"
    return result


def _inside(value, original, low, high) -> bool:
    if not ranking.finite(value):
        return False
    if low is None or high is None:  # no per-item results: only the same number reproduces it
        return ranking.finite(original) and float(value) == float(original)
    return float(low) <= float(value) <= float(high)


def board_reproduce(
    *, slug: str, phase: Phase | None = None, top: int | None = None, actor=None, again: bool = False
) -> list[Job]:
    """Re-run the top ``top`` lines (default LB_REPRODUCE_TOP_K; 0: every line) of the board of ``phase``
    (default the current one). Lines that already have a re-run are skipped (``again``: only those whose
    re-run is still pending or running, e.g. after a scorer change). Returns the new jobs."""
    from leaderboard.selectors import board  # the board's own ranking decides "top"

    top = (settings.LB_REPRODUCE_TOP_K or 3) if top is None else top  # a 0 setting only stops the automatic runs
    rows = board(slug, phase_id=phase.pk if phase and not phase.is_implicit else None, include_hidden=False).rows
    rows = [row for row in rows if row.user != settings.LB_PLATFORM_USER]
    chosen = rows[:top] if top else rows
    owner = platform_user()
    made = []
    for job in Job.objects.filter(pk__in=[row.job for row in chosen]):
        new = job_reproduce(job=job, owner=owner, again=again)
        if new is not None:
            made.append(new)
    logger.info(
        "re-running %d of the top %d lines of %s",
        len(made),
        len(chosen),
        slug,
        extra={"event": "board_reproduce", "benchmark": slug, "actor": getattr(actor, "username", None)},
    )
    return made


def phase_reproduce(*, phase: Phase, actor=None, now: datetime | None = None) -> list[Job]:
    """Once per ended phase: re-run its top lines, and write the ``reproduce`` audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        if PhaseAudit.objects.filter(phase=locked, action="reproduce").exists():
            return []
        made = board_reproduce(slug=locked.benchmark, phase=locked, actor=actor)
        PhaseAudit.objects.create(
            benchmark=locked.benchmark,
            phase=locked,
            action="reproduce",
            actor=actor,
            detail={"jobs": [str(job.pk) for job in made], "top": settings.LB_REPRODUCE_TOP_K},
            at=now,
        )
    return made


def phases_reproduce_due(*, now: datetime | None = None) -> int:
    """The periodic half: every recently ended phase not yet reproduced (a private one once revealed,
    so that its final ranking is the one re-run)."""
    now = now or timezone.now()
    if settings.LB_REPRODUCE_TOP_K <= 0:
        return 0
    due = (
        Phase.objects.filter(ends_at__lte=now, ends_at__gte=now - RECENT)
        .exclude(audit__action="reproduce")
        .exclude(ranks_on=RankedPart.PRIVATE, revealed_at__isnull=True)
    )
    made = 0
    for phase in due:
        try:
            made += len(phase_reproduce(phase=phase, now=now))
        except registry.UnknownBenchmark:
            continue
        except Exception:  # one phase's trouble leaves the others to be done
            logger.exception("could not queue the re-runs of phase %s of %s", phase.pk, phase.benchmark)
    return made
