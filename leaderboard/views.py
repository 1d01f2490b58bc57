"""Server-rendered pages: the benchmark list, each board and each entry."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from benchmarks import registry
from leaderboard import selectors
from leaderboard.models import Entry


def index(request):
    return render(request, "leaderboard/index.html", {"benchmarks": selectors.benchmark_summaries()})


def board_page(request, slug: str):
    try:
        board = selectors.board(slug)
    except registry.UnknownBenchmark:
        raise Http404(f"Unknown benchmark {slug}") from None
    metrics = list(board.benchmark.metrics)
    return render(request, "leaderboard/board.html", {
        "board": board, "benchmark": board.benchmark, "metrics": metrics, "mlflow_ui": settings.MLFLOW_UI_URL,
        "rows": [(row, [row.metrics.get(m.name) for m in metrics]) for row in board.rows],
    })


def entry_page(request, pk: int):
    entry = get_object_or_404(Entry.objects.select_related("owner"), pk=pk)
    if entry.hidden and not request.user.is_staff:
        raise Http404("No such entry")
    benchmark = registry.get(entry.benchmark)
    closed = selectors.is_closed(entry.benchmark)
    jobs = selectors.entry_jobs(entry)
    metrics = list(benchmark.metrics)
    show_private = closed or request.user.is_staff
    rows = [(job, [job.metrics.get(m.name) for m in metrics],
             [job.private_metrics.get(m.name) for m in metrics] if show_private else None) for job in jobs]
    return render(request, "leaderboard/entry.html", {
        "entry": entry, "benchmark": benchmark, "metrics": metrics, "rows": rows, "show_private": show_private,
        "latest": jobs[0] if jobs else None,
    })


@login_required
def my_page(request):
    """A user's own jobs (every completed one stays listed) and their limits."""
    from jobs.selectors import jobs_of
    from leaderboard.quotas import quotas_for

    jobs = jobs_of(user=request.user).filter(owner=request.user)[:200]
    return render(request, "leaderboard/me.html", {"limits": quotas_for(request.user), "jobs": jobs})
