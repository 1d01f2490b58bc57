"""Reads for boards: the JSON API, the CSV and the HTML page all use these."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from benchmarks import registry
from benchmarks.base import Benchmark
from jobs.models import Job, JobStatus
from jobs.tracking import compare_url, run_urls
from leaderboard import intervals, ranking
from leaderboard.models import BenchmarkState, Entry


@dataclass
class BoardRow:
    rank: int
    user: str
    method: str
    job: str
    entry: int | None
    metrics: dict
    submitted_at: str
    mlflow_run_url: str
    baseline: bool
    ci: list | None
    approx: bool = False  # not significantly different from the row above
    public_rank: int | None = None
    rank_change: int | None = None

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        if data["public_rank"] is None:
            data.pop("public_rank")
            data.pop("rank_change")
        return data


@dataclass
class Board:
    benchmark: Benchmark
    closed: bool
    rows: list[BoardRow] = field(default_factory=list)
    compare_url: str = ""

    @property
    def ranked_part(self) -> str:
        return "private" if self.closed else "public"

    def as_dict(self) -> dict:
        return {
            "benchmark": self.benchmark.slug,
            "primary_metric": self.benchmark.primary_metric,
            "higher_is_better": self.benchmark.higher_is_better,
            "ranked_on": self.ranked_part,
            "rows": [row.as_dict() for row in self.rows],
        }


def is_closed(slug: str) -> bool:
    return BenchmarkState.objects.filter(slug=slug, closed_at__isnull=False).exists()


def _completed_jobs(slug: str):
    return (
        Job.objects.filter(benchmark=slug, status=JobStatus.COMPLETED)
        .select_related("owner", "submission")
        .order_by("finished_at")
    )


def _entries(slug: str) -> dict[tuple[int, str], Entry]:
    return {(e.owner_id, e.method): e for e in Entry.objects.filter(benchmark=slug)}


def _ranked(jobs: list[Job], part: str, benchmark: Benchmark) -> list[tuple[int, ranking.Candidate]]:
    metric = benchmark.primary_metric
    candidates = [
        ranking.Candidate(
            entry=(job.owner_id, job.submission.method),
            value=(job.private_metrics if part == "private" else job.metrics).get(metric),
            submitted_at=job.submission.created_at,
            payload=job,
        )
        for job in jobs
    ]
    best = ranking.best_per_entry(candidates, benchmark.higher_is_better)
    return ranking.rank(best, benchmark.higher_is_better)


def _resampled(benchmark: Benchmark, job: Job, part: str):
    key = f"lb:resampled:{job.pk}:{part}:{intervals.N_RESAMPLES}"
    values = cache.get(key)
    if values is None:
        items = intervals.load_items(job.pk, part)
        if items is None:
            return None
        values = intervals.resampled(benchmark, items)
        cache.set(key, values, timeout=24 * 3600)
    return values


def board(slug: str, *, include_hidden: bool = False) -> Board:
    benchmark = registry.get(slug)
    closed = is_closed(slug)
    part = "private" if closed else "public"
    entries = _entries(slug)
    jobs = [
        job for job in _completed_jobs(slug)
        if include_hidden or not getattr(entries.get((job.owner_id, job.submission.method)), "hidden", False)
    ]
    public_ranks = {}
    if closed:
        public_ranks = {c.entry: r for r, c in _ranked(jobs, "public", benchmark)}
    result = Board(benchmark=benchmark, closed=closed)
    previous_samples = None
    for rank, candidate in _ranked(jobs, part, benchmark):
        job: Job = candidate.payload
        entry = entries.get(candidate.entry)
        metrics = job.private_metrics if closed else job.metrics
        low, high = (job.private_ci_low, job.private_ci_high) if closed else (job.primary_ci_low, job.primary_ci_high)
        ui_url, _ = run_urls(ui_url=settings.MLFLOW_UI_URL, tracking_uri=settings.MLFLOW_TRACKING_URI,
                             experiment_id=job.experiment_id, run_id=job.run_id)
        row = BoardRow(
            rank=rank, user=job.owner.username, method=job.submission.method, job=str(job.pk),
            entry=entry.pk if entry else None,
            metrics={m.name: metrics.get(m.name) for m in benchmark.metrics},
            submitted_at=job.submission.created_at.isoformat(), mlflow_run_url=ui_url,
            baseline=bool(entry and entry.baseline), ci=[low, high] if low is not None else None,
        )
        samples = _resampled(benchmark, job, part)
        if previous_samples is not None and samples is not None and len(samples) == len(previous_samples):
            row.approx = not intervals.differs(previous_samples, samples)
        previous_samples = samples
        if closed:
            row.public_rank = public_ranks.get(candidate.entry)
            row.rank_change = (row.public_rank - rank) if row.public_rank else None
        result.rows.append(row)
    top = [row for row in result.rows if ranking.finite(row.metrics.get(benchmark.primary_metric))][:5]
    experiment_ids = {job.experiment_id for job in jobs}
    if top and len(experiment_ids) == 1:
        result.compare_url = compare_url(ui_url=settings.MLFLOW_UI_URL, experiment_id=experiment_ids.pop(),
                                         run_ids=[_run_id(jobs, row.job) for row in top])
    return result


def _run_id(jobs: list[Job], job_id: str) -> str:
    return next(job.run_id for job in jobs if str(job.pk) == job_id)


def benchmark_summaries() -> list[dict]:
    from django.db.models import Count

    counts = dict(
        Entry.objects.filter(hidden=False).values_list("benchmark").annotate(n=Count("id")).values_list("benchmark", "n")
    )
    return [
        {"benchmark": b, "entries": counts.get(b.slug, 0), "closed": is_closed(b.slug)}
        for b in registry.all_benchmarks()
    ]


def entry_jobs(entry: Entry) -> list[Job]:
    return list(
        Job.objects.filter(benchmark=entry.benchmark, owner=entry.owner, submission__method=entry.method,
                           status=JobStatus.COMPLETED)
        .select_related("submission")
        .order_by("-finished_at")
    )


def entry_is_public(*, benchmark: str, owner_id: int, method: str) -> bool:
    """Whether the board shows this user's method (its completed jobs' pages are public)."""
    return Entry.objects.filter(benchmark=benchmark, owner_id=owner_id, method=method, hidden=False).exists()
