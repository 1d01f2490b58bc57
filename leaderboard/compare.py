"""Two completed jobs of one benchmark side by side (``/compare/<a>/<b>/``, ``GET /api/compare``, ``lb compare``).

* Metrics: each metric of both jobs and the difference a − b. The primary metric (the one with per-item
  results) gets the paired bootstrap: both jobs are resampled with the same seeded resamples of the same
  hidden items, so the difference's 95% interval and the share of resamples where a beats b (in the
  metric's direction) come from one set of draws. The same per slice.
* Config diff: the submissions' config params (as read at upload), key by key.
* Manifest diff: files added, removed or changed (by sha256) from a's submission to b's; the hashes
  themselves only to staff and to the owner of both jobs.
* Who sees what: both jobs must be visible to the viewer (``jobs.selectors.jobs_visible_to``); the private
  part of a job only as its entry page shows it: to staff, or once a reveal published it (a final job of a
  revealed phase). Private numbers of the pair appear only when both may be shown.
"""

from __future__ import annotations

import math

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from benchmarks import registry
from benchmarks.base import Benchmark
from core.errors import InvalidInput, NotFound
from jobs.models import Job, JobStatus
from jobs.scoring import intervals
from jobs.scoring.slices import slice_samples
from jobs.selectors import jobs_visible_to
from leaderboard.models import FinalMark


def _job(user: AbstractBaseUser, job_id: str) -> Job:
    try:
        found = (
            jobs_visible_to(user=user)
            .filter(pk=job_id, status=JobStatus.COMPLETED)
            .select_related("submission", "owner")
            .first()
        )
    except (ValueError, TypeError, ValidationError):  # not a job id at all
        found = None
    if found is None:
        raise NotFound(f"No completed job {str(job_id)[:40]!r} visible to you.", code="job_not_found")
    return found


def private_shown(user: AbstractBaseUser, job: Job) -> bool:
    """The entry page's rule for a job's private part: staff, or a final job of a revealed phase."""
    if user.is_staff:
        return True
    return FinalMark.objects.filter(job=job, phase__revealed_at__isnull=False).exists()


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def paired(benchmark: Benchmark, a: np.ndarray, b: np.ndarray) -> dict:
    """Difference a − b of two jobs' resamples: 95% interval, and the share of resamples where a is better."""
    diff = a - b
    low, high = intervals.interval(diff)
    usable = np.isfinite(diff)
    better = diff[usable] > 0 if benchmark.higher_is_better else diff[usable] < 0
    return {
        "ci": [_number(low), _number(high)] if math.isfinite(low) else None,
        "a_better_share": float(better.mean()) if usable.any() else None,
        "differs": bool(math.isfinite(low) and not (low <= 0.0 <= high)),
    }


def _part(benchmark: Benchmark, a: Job, b: Job, part: str) -> dict:
    metrics_a = a.private_metrics if part == "private" else a.metrics
    metrics_b = b.private_metrics if part == "private" else b.metrics
    rows = []
    for metric in benchmark.metrics:
        va, vb = _number(metrics_a.get(metric.name)), _number(metrics_b.get(metric.name))
        rows.append(
            {
                "metric": metric.name,
                "a": va,
                "b": vb,
                "difference": va - vb if va is not None and vb is not None else None,
                "ci": None,
                "a_better_share": None,
                "differs": None,
            }
        )
    items_a, items_b = intervals.load_items(a.pk, part), intervals.load_items(b.pk, part)
    same_items = bool(items_a and items_b) and _n(items_a) == _n(items_b)
    slices = []
    if same_items:
        primary = next(row for row in rows if row["metric"] == benchmark.primary_metric)
        primary.update(
            paired(benchmark, intervals.resampled(benchmark, items_a), intervals.resampled(benchmark, items_b))
        )
        found_b = {(s.group, s.name): s for s in benchmark.slices(items_b, b.score_notes or {})}
        for piece in benchmark.slices(items_a, a.score_notes or {}):
            other = found_b.get((piece.group, piece.name))
            if other is None or other.rows.size != piece.rows.size or piece.rows.size == 0:
                continue
            value_a, samples_a = slice_samples(benchmark, items_a, piece)
            value_b, samples_b = slice_samples(benchmark, items_b, other)
            slices.append(
                {
                    "group": piece.group,
                    "name": piece.name,
                    "n": int(piece.rows.size),
                    "metric": benchmark.primary_metric,
                    "a": _number(value_a),
                    "b": _number(value_b),
                    "difference": _number(value_a - value_b),
                    **paired(benchmark, samples_a, samples_b),
                }
            )
    return {"metrics": rows, "slices": slices, "paired": same_items}


def _n(items: dict) -> int:
    return len(next(iter(items.values())))


def config_diff(a: dict, b: dict) -> list[dict]:
    """Every key whose value differs (missing on one side: None), sorted by key."""
    return [
        {"key": key, "a": a.get(key), "b": b.get(key)}
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key) or (key in a) != (key in b)
    ]


def manifest_diff(a: list[dict], b: list[dict]) -> dict:
    """Files of b's submission against a's: added (only in b), removed (only in a), changed (other sha256)."""
    files_a = {f["path"]: f for f in a or []}
    files_b = {f["path"]: f for f in b or []}
    return {
        "added": [files_b[p] for p in sorted(set(files_b) - set(files_a))],
        "removed": [files_a[p] for p in sorted(set(files_a) - set(files_b))],
        "changed": [
            {"path": p, "a_sha256": files_a[p]["sha256"], "b_sha256": files_b[p]["sha256"]}
            for p in sorted(set(files_a) & set(files_b))
            if files_a[p].get("sha256") != files_b[p].get("sha256")
        ],
        "unchanged": sum(
            1 for p in set(files_a) & set(files_b) if files_a[p].get("sha256") == files_b[p].get("sha256")
        ),
    }


def _side(job: Job) -> dict:
    return {
        "job": str(job.pk),
        "user": job.owner.username,
        "method": job.submission.method,
        "submitted_at": job.submission.created_at.isoformat(),
        "dataset_version": (job.reproducibility or {}).get("dataset_version"),
    }


def compare_jobs(*, user: AbstractBaseUser, a: str, b: str) -> dict:
    if not a or not b:
        raise InvalidInput("Give two completed jobs: a and b.", code="compare_needs_two")
    job_a, job_b = _job(user, a), _job(user, b)
    if job_a.benchmark != job_b.benchmark:
        raise InvalidInput("Both jobs must be of the same benchmark.", code="different_benchmarks")
    benchmark = registry.get(job_a.benchmark)
    private = private_shown(user, job_a) and private_shown(user, job_b)
    return {
        "benchmark": benchmark.slug,
        "primary_metric": benchmark.primary_metric,
        "metric_info": [m.describe() for m in benchmark.metrics],
        "a": _side(job_a),
        "b": _side(job_b),
        "same_dataset": _side(job_a)["dataset_version"] == _side(job_b)["dataset_version"],
        "public": _part(benchmark, job_a, job_b, "public"),
        "private": _part(benchmark, job_a, job_b, "private") if private else None,
        "config": config_diff(job_a.submission.config or {}, job_b.submission.config or {}),
        "manifest": _shown_manifest(
            manifest_diff(job_a.submission.files, job_b.submission.files),
            full=user.is_staff or (user.is_authenticated and job_a.owner_id == job_b.owner_id == user.pk),
        ),
    }


def _shown_manifest(diff: dict, *, full: bool) -> dict:
    """Someone else's file hashes stay theirs: other viewers get the paths and what changed, no sha256."""
    if full:
        return diff
    return {
        "added": [{"path": f["path"], "size": f.get("size")} for f in diff["added"]],
        "removed": [{"path": f["path"], "size": f.get("size")} for f in diff["removed"]],
        "changed": [{"path": f["path"]} for f in diff["changed"]],
        "unchanged": diff["unchanged"],
    }
