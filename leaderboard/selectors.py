"""Reads for boards: the JSON API, the CSV and the HTML page all use these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from benchmarks import registry
from benchmarks.base import Benchmark
from jobs.models import Job, JobStatus
from jobs.scoring import datasets, intervals
from jobs.selectors import phase_jobs
from jobs.tracking import compare_url, run_urls
from leaderboard import board_extras, ranking, reproduction
from leaderboard.entry_cards import card_of, listed
from leaderboard.entry_keys import (
    display_name,
    entry_key,
    job_key,
)

# The finals and visibility reads live in their own modules; callers import them from here.
from leaderboard.final_reads import (  # noqa: F401
    FINAL_RULE,
    entry_id_for_job,
    entry_jobs,
    finals_of,
    finals_summary,
    job_final_choice,
    marks_of_side,
    revealed_final_jobs,
)
from leaderboard.models import Entry, FinalMark
from leaderboard.visibility import (  # noqa: F401
    board_shown,
    entries_visible_to,
    entry_is_public,
    hidden_boards,
    public_jobs,
    shows_board,
)
from phases import selectors as phases
from phases.models import Phase, PhaseState


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
    # The random id of the hidden set the row's job was scored on ("legacy" before ids), and whether
    # that set has since been replaced (rotate_hidden_data): its numbers are not comparable with the rest.
    dataset_version: str = ""
    stale_dataset: bool = False
    # After a reveal: the row's rank among the same final entries on the public part.
    public_rank: int | None = None
    rank_change: int | None = None  # public_rank - rank: positive moved up
    movement: str | None = None  # "▲3", "▼1" or "="
    public_metrics: dict | None = None
    # The entry's method card (leaderboard.entry_cards): the Markdown description and the two URLs.
    card: dict | None = None
    # Issue 34 (leaderboard/board_extras.py): the row's seed group, its run's measured cost, and the
    # platform's re-run of it.
    seeds: dict | None = None
    compute: dict | None = None
    reproduction: dict | None = None

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        if data["public_rank"] is None:
            for key in ("public_rank", "rank_change", "movement", "public_metrics"):
                data.pop(key)
        return data


@dataclass
class Board:
    benchmark: Benchmark
    phase: Phase
    now: datetime
    rows: list[BoardRow] = field(default_factory=list)
    compare_url: str = ""
    hidden: bool = False  # the phase hides its board until it ends
    dataset_version: str | None = None  # the current hidden set's id
    public_view: bool = False  # a revealed phase's public ranking, asked for with part=public

    @property
    def revealed(self) -> bool:
        """Whether this board shows the private ranking of final entries."""
        return self.phase.revealed_at is not None and not self.public_view

    @property
    def ranked_part(self) -> str:
        return "private" if self.revealed else "public"

    @property
    def phase_info(self) -> dict:
        return phases.phase_info(self.phase, now=self.now)

    def as_dict(self) -> dict:
        return {
            "benchmark": self.benchmark.slug,
            "primary_metric": self.benchmark.primary_metric,
            "higher_is_better": self.benchmark.higher_is_better,
            "metrics": [m.name for m in self.benchmark.metrics],
            "metric_info": [m.describe() for m in self.benchmark.metrics],  # units and precision (issue 31)
            "ranked_on": self.ranked_part,
            "phase": self.phase_info,
            "board_hidden": self.hidden,
            "dataset_version": self.dataset_version,
            "rows": [row.as_dict() for row in self.rows],
        }


def is_closed(slug: str) -> bool:
    """Whether the private part of the benchmark's current phase has been revealed."""
    return phases.current_phase(slug).revealed_at is not None


def _entries(slug: str) -> dict[tuple, Entry]:
    return {entry_key(e): e for e in Entry.objects.filter(benchmark=slug)}


def _candidates(jobs: list[Job], part: str, benchmark: Benchmark, key) -> list[ranking.Candidate]:
    metric = benchmark.primary_metric
    return [
        ranking.Candidate(
            entry=key(job),
            value=(job.private_metrics if part == "private" else job.metrics).get(metric),
            submitted_at=job.submission.created_at,
            payload=job,
        )
        for job in jobs
    ]


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


def movement(rank_change: int) -> str:
    return f"▲{rank_change}" if rank_change > 0 else f"▼{-rank_change}" if rank_change < 0 else "="


def _ranked_rows(
    board_jobs: list[Job], revealed: bool, benchmark: Benchmark, seed_means: dict | None = None
) -> list[tuple[int, ranking.Candidate]]:
    hib = benchmark.higher_is_better
    if seed_means is not None and not revealed:  # ?rank=seed_mean: a seed group is one candidate at its mean
        return ranking.rank(board_extras.seed_mean_candidates(board_jobs, seed_means, benchmark), hib)
    if revealed:  # each final job is its own line: nobody's line is a maximum over noisy private scores
        return ranking.rank(_candidates(board_jobs, "private", benchmark, key=lambda job: job.pk), hib)
    best = ranking.best_per_entry(_candidates(board_jobs, "public", benchmark, key=job_key), hib)
    return ranking.rank(best, hib)


def board(
    slug: str,
    *,
    phase_id: str | int | None = None,
    part: str | None = None,
    include_hidden: bool = False,
    now: datetime | None = None,
    rank_on: str = "best",
    budget: dict | None = None,
) -> Board:
    """The board of a phase (default: the current one). Before a reveal, or with ``part="public"``: best
    public job per entry. After it: the final entries only, ranked on the private part, with their public
    rank and movement."""
    benchmark = registry.get(slug)
    now = now or timezone.now()
    phase = phases.board_phase(slug, phase_id, now=now)
    result = Board(
        benchmark=benchmark,
        phase=phase,
        now=now,
        public_view=part == "public",
        dataset_version=datasets.dataset_id(benchmark),
    )
    ended = phase.state(now) == PhaseState.ENDED
    if not phase.board_visible and not ended and not include_hidden:
        result.hidden = True
        return result
    entries = _entries(slug)
    revealed = result.revealed
    if revealed:
        pool = [
            mark.job
            for mark in FinalMark.objects.filter(phase=phase).select_related(
                "job__owner", "job__team", "job__submission"
            )
        ]
    else:
        pool = list(
            phase_jobs(phase)
            .filter(status=JobStatus.COMPLETED, reproduces__isnull=True)  # a platform re-run is no board line
            .select_related("owner", "team", "submission")
            .order_by("finished_at")
        )
    jobs = [job for job in pool if include_hidden or listed(entries.get(job_key(job)), revealed)]
    if not revealed:
        jobs = _current_data_first(jobs, result.dataset_version)
    jobs = board_extras.within_budget(jobs, budget)  # ?max_gpu_s= / ?max_cpu_s=
    summaries = board_extras.seed_summaries(benchmark, jobs, "private" if revealed else "public")
    public_ranks = {}
    if revealed:
        public_ranks = {
            c.entry: r
            for r, c in ranking.rank(_candidates(jobs, "public", benchmark, lambda j: j.pk), benchmark.higher_is_better)
        }
    part = result.ranked_part
    previous_samples = None
    seed_means = summaries if rank_on == "seed_mean" else None
    reruns = reproduction.newest_reruns(jobs)  # one query for the badges
    for rank, candidate in _ranked_rows(jobs, revealed, benchmark, seed_means):
        job: Job = candidate.payload
        entry = entries.get(job_key(job))
        metrics = job.private_metrics if revealed else job.metrics
        low, high = (job.private_ci_low, job.private_ci_high) if revealed else (job.primary_ci_low, job.primary_ci_high)
        ui_url, _ = run_urls(
            ui_url=settings.MLFLOW_UI_URL,
            tracking_uri=settings.MLFLOW_TRACKING_URI,
            experiment_id=job.experiment_id,
            run_id=job.run_id,
        )
        row = BoardRow(
            rank=rank,
            user=display_name(job),
            method=job.submission.method,
            job=str(job.pk),
            entry=entry.pk if entry else None,
            metrics={m.name: metrics.get(m.name) for m in benchmark.metrics},
            submitted_at=job.submission.created_at.isoformat(),
            mlflow_run_url=ui_url,
            baseline=bool(entry and entry.baseline),
            ci=[low, high] if low is not None else None,
            card=card_of(entry),
            **_dataset_of(job, result.dataset_version),
        )
        board_extras.decorate(row, job, benchmark, summaries, reruns)
        samples = _resampled(benchmark, job, part)
        if previous_samples is not None and samples is not None and len(samples) == len(previous_samples):
            row.approx = not intervals.differs(previous_samples, samples)
        previous_samples = samples
        if revealed:
            row.public_rank = public_ranks[job.pk]
            row.rank_change = row.public_rank - rank
            row.movement = movement(row.rank_change)
            row.public_metrics = {m.name: job.metrics.get(m.name) for m in benchmark.metrics}
        result.rows.append(row)
    top = [row for row in result.rows if ranking.finite(row.metrics.get(benchmark.primary_metric))][:5]
    experiment_ids = {job.experiment_id for job in jobs}
    if top and len(experiment_ids) == 1:
        result.compare_url = compare_url(
            ui_url=settings.MLFLOW_UI_URL,
            experiment_id=experiment_ids.pop(),
            run_ids=[_run_id(jobs, row.job) for row in top],
        )
    return result


def _current_data_first(jobs: list[Job], current: str | None) -> list[Job]:
    """An entry with a job scored on the current hidden set is ranked by such jobs only (a re-run replaces its
    stale numbers, better or worse); an entry with none keeps its last numbers, marked stale."""
    if current is None:
        return jobs
    fresh = {job_key(job) for job in jobs if (job.reproducibility or {}).get("dataset_version") == current}
    return [
        job
        for job in jobs
        if (job.reproducibility or {}).get("dataset_version") == current or job_key(job) not in fresh
    ]


def _dataset_of(job: Job, current: str | None) -> dict:
    recorded = (job.reproducibility or {}).get("dataset_version")
    return {
        "dataset_version": datasets.public_id(recorded),
        "stale_dataset": current is not None and recorded != current,
    }


def stale_jobs(slug: str) -> list[Job]:
    """Completed jobs of ``slug`` that the board lists and that were scored on a replaced hidden set: the best
    job of each entry of the current phase (and each final job of a revealed one). What ``rerun_stale`` runs
    again."""
    rows = board(slug, include_hidden=True).rows
    ids = [row.job for row in rows if row.stale_dataset]
    return list(Job.objects.filter(pk__in=ids).select_related("submission", "owner"))


def _run_id(jobs: list[Job], job_id: str) -> str:
    return next(job.run_id for job in jobs if str(job.pk) == job_id)


def benchmark_summaries() -> list[dict]:
    from django.db.models import Count

    counts = dict(
        Entry.objects.filter(hidden=False)
        .values_list("benchmark")
        .annotate(n=Count("id"))
        .values_list("benchmark", "n")
    )
    now = timezone.now()
    by_slug: dict[str, list[Phase]] = {}
    for phase in Phase.objects.order_by("starts_at"):
        by_slug.setdefault(phase.benchmark, []).append(phase)
    summaries = []
    for b in registry.all_benchmarks():
        phase = phases.current_phase(b.slug, now=now, phases=by_slug.get(b.slug, []))
        shown = counts.get(b.slug, 0) if shows_board(phase, now) else 0  # a hidden board's entries are not counted
        summaries.append(
            {
                "benchmark": b,
                "entries": shown,
                "closed": phase.revealed_at is not None,
                "phase": phases.phase_info(phase, now=now),
            }
        )
    return summaries
