"""What issue 34 adds to a board line: its seed group (leaderboard/seeds.py), its run's measured cost, and
the platform's re-run of it (leaderboard/reproduction.py); the budget filter and the seed-mean ranking.
Kept apart from selectors.board so that the board's own rules stay readable there."""

from __future__ import annotations

from benchmarks.base import Benchmark
from core.errors import InvalidInput
from jobs.models import Job
from leaderboard import ranking, reproduction, seeds

# The units every cost carries on the board, the API and the Pareto page.
COSTS = {
    "gpu_s": ("GPU time", "GPU-s"),
    "cpu_s": ("CPU time", "CPU-s"),
    "run_s": ("wall time", "s"),
    "peak_vram_mb": ("peak VRAM", "MiB"),
    "peak_mem_mb": ("peak memory", "MiB"),
    "inference_time_ms": ("inference time", "ms/item"),
}


def compute_of(job: Job) -> dict:
    """The run's measured cost, each with its unit: what the sandbox measured (CPU and GPU seconds,
    peak memory and VRAM, wall time) and, where the benchmark reports it, inference time."""
    timings = (job.reproducibility or {}).get("timings") or {}
    values = {
        "gpu_s": job.gpu_s,
        "cpu_s": job.cpu_s,
        "run_s": timings.get("run_s"),
        "peak_vram_mb": job.peak_vram_mb,
        "peak_mem_mb": timings.get("peak_mem_mb"),
        "inference_time_ms": (job.metrics or {}).get("inference_time_ms"),
    }
    return {name: {"value": value, "unit": COSTS[name][1]} for name, value in values.items() if ranking.finite(value)}


def cost_value(job: Job, cost: str) -> float | None:
    entry = compute_of(job).get(cost)
    return float(entry["value"]) if entry else None


def parse_budget(query) -> dict:
    """``?max_gpu_s=`` / ``?max_cpu_s=`` as ``{"gpu_s": float}``; a bad number is the caller's 400."""
    budget = {}
    for cost in ("gpu_s", "cpu_s"):
        raw = query.get(f"max_{cost}")
        if raw in (None, ""):
            continue
        try:
            budget[cost] = float(raw)
        except ValueError:
            raise InvalidInput(f"max_{cost} must be a number of seconds.", code="bad_budget") from None
        if not ranking.finite(budget[cost]) or budget[cost] < 0:
            raise InvalidInput(f"max_{cost} must be a number of seconds.", code="bad_budget")
    return budget


def rank_on(query) -> str:
    return "seed_mean" if query.get("rank") == "seed_mean" else "best"


def within_budget(jobs: list[Job], budget: dict | None) -> list[Job]:
    """Only the runs under every given budget (``{"gpu_s": 60}``): an entry is ranked by its best run
    that fits, and leaves the board if none does."""
    if not budget:
        return jobs
    return [
        job
        for job in jobs
        if all((cost_value(job, cost) or 0.0) <= float(limit) for cost, limit in budget.items() if limit is not None)
    ]


def seed_summaries(benchmark: Benchmark, jobs: list[Job], part: str) -> dict[str, seeds.SeedSummary]:
    if not any(job.seed_group is not None for job in jobs):
        return {}
    return seeds.group_summaries(benchmark, jobs, part=part)


def seed_mean_candidates(jobs: list[Job], summaries: dict, benchmark: Benchmark) -> list[ranking.Candidate]:
    """Ranking on the seed mean: a seed group is one candidate valued at its mean; other jobs keep
    their score; then the best candidate per entry, as on the ordinary board."""
    metric = benchmark.primary_metric
    candidates = [
        ranking.Candidate(
            entry=(job.owner_id, job.submission.method),
            value=mean if job.seed_group is not None else job.metrics.get(metric),
            submitted_at=job.submission.created_at,
            payload=job,
        )
        for job, mean in seeds.seed_mean_candidates(jobs, summaries)
    ]
    return ranking.best_per_entry(candidates, benchmark.higher_is_better)


def decorate(row, job: Job, benchmark: Benchmark, summaries: dict, reruns: dict) -> None:
    """Fill a BoardRow's ``seeds``, ``compute`` and ``reproduction`` (``reruns``: from
    ``reproduction.newest_reruns`` over the board's jobs)."""
    summary = summaries.get(str(job.seed_group)) if job.seed_group is not None else None
    if summary is not None:
        row.seeds = summary.as_dict()
    row.compute = compute_of(job)
    row.reproduction = reproduction.verdict(job, reruns.get(job.pk))
