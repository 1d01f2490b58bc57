"""Server-rendered pages: the benchmark list, each board and each entry."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from benchmarks import registry
from core.errors import DomainError, NotFound
from jobs.scoring.slices import job_slices
from leaderboard import board_extras, pareto, reproduction, selectors, suites, units
from leaderboard.entry_cards import card_html
from leaderboard.entry_owner import may_edit
from leaderboard.finals import final_mark, final_unmark
from phases import selectors as phases


def index(request):
    return render(
        request,
        "leaderboard/index.html",
        {"benchmarks": selectors.benchmark_summaries(), "suites": suites.suite_names()},
    )


def board_page(request, slug: str):
    try:
        board = selectors.board(
            slug,
            phase_id=request.GET.get("phase"),
            part=request.GET.get("part"),
            rank_on=board_extras.rank_on(request.GET),
            budget=board_extras.parse_budget(request.GET),
        )
    except (registry.UnknownBenchmark, NotFound):
        raise Http404(f"Unknown benchmark or phase {slug}") from None
    except DomainError as exc:
        return HttpResponseBadRequest(exc.detail)
    metrics = list(board.benchmark.metrics)
    order = request.GET.get("order") or ""
    try:  # a column heading's link sorts by that metric (server side: no script needed)
        board.rows = units.order_rows(board.rows, metrics, order)
    except DomainError:
        order = ""
    return render(
        request,
        "leaderboard/board.html",
        {
            "board": board,
            "benchmark": board.benchmark,
            "metrics": metrics,
            "mlflow_ui": settings.MLFLOW_UI_URL,
            "rows": [(row, [(m, row.metrics.get(m.name)) for m in metrics]) for row in board.rows],
            "order": order,
            "primary": board.benchmark.metric(board.benchmark.primary_metric),
            "rank_on": board_extras.rank_on(request.GET),
        },
    )


def pareto_page(request, slug: str):
    """Primary metric against a cost the viewer picks (``?cost=``), the front marked, each point a link to
    its entry; the lines are the board's (same visibility), server-rendered SVG."""
    try:
        board = selectors.board(slug, phase_id=request.GET.get("phase"))
    except (registry.UnknownBenchmark, NotFound):
        raise Http404(f"Unknown benchmark or phase {slug}") from None
    # Default: GPU time where some line used a GPU, else CPU time (a CPU board's GPU-s are all 0).
    on_gpu = any(((row.compute or {}).get("gpu_s") or {}).get("value") for row in board.rows)
    cost = request.GET.get("cost") or ("gpu_s" if on_gpu else "cpu_s")
    if cost not in board_extras.COSTS:
        return HttpResponseBadRequest(f"cost must be one of {', '.join(board_extras.COSTS)}")
    metric = board.benchmark.primary_metric
    points = pareto.points_of(board.rows, metric, cost)
    on_front = pareto.front(points, board.benchmark.higher_is_better)
    return render(
        request,
        "leaderboard/pareto.html",
        {
            "board": board,
            "benchmark": board.benchmark,
            "cost": cost,
            "costs": [(name, label, unit) for name, (label, unit) in board_extras.COSTS.items()],
            "svg": pareto.svg(points, on_front, metric=metric, cost=cost),  # escaped inside (leaderboard/pareto.py)
            "front": [points[i] for i in on_front],
            "points": points,
        },
    )


def entry_page(request, pk: int):
    # Hidden entries, and every entry of a board its phase hides, are their owner's and staff's only.
    entry = get_object_or_404(selectors.entries_visible_to(request.user).select_related("owner"), pk=pk)
    benchmark = registry.get(entry.benchmark)
    jobs = selectors.entry_jobs(entry)
    metrics = list(benchmark.metrics)
    # The private part of a job is public only once it was revealed as a final entry.
    revealed = selectors.revealed_final_jobs(entry)
    show_private = bool(revealed) or request.user.is_staff
    rows = [
        (
            job,
            [job.metrics.get(m.name) for m in metrics],
            [job.private_metrics.get(m.name) for m in metrics] if request.user.is_staff or job.pk in revealed else None,
        )
        for job in jobs
    ]
    finals = None
    is_owner = request.user.is_authenticated and may_edit(request.user, entry)  # the team's: every member
    if is_owner:
        phase = phases.current_phase(entry.benchmark)
        if phase.leads_to_reveal:
            finals = selectors.finals_summary(user=request.user, phase=phase, team_id=entry.team_id)
            finals["this_entry"] = next((m for m in finals["marks"] if m["entry"] == entry.pk), None)
    latest = jobs[0] if jobs else None
    # Per-slice results of the latest job: the private part under the same rule as its metrics above.
    slices = None
    if latest is not None:
        private_ok = request.user.is_staff or latest.pk in revealed
        slices = {
            "public": job_slices(latest, "public"),
            "private": job_slices(latest, "private") if private_ok else None,
            "metric": benchmark.metric(benchmark.primary_metric),
        }
    return render(
        request,
        "leaderboard/entry.html",
        {
            "slices": slices,
            "entry": entry,
            "benchmark": benchmark,
            "metrics": metrics,
            "rows": rows,
            "show_private": show_private,
            "latest": jobs[0] if jobs else None,
            "finals": finals,
            "card_html": mark_safe(card_html(entry)),  # noqa: S308  (markdown-it without HTML, then nh3)
            "is_owner": is_owner,
            # Issue 34: the entry's seed groups and the platform's re-runs of its jobs.
            "seed_groups": list(board_extras.seed_summaries(benchmark, jobs, "public").values()),
            "reruns": [v for v in (reproduction.verdict(job) for job in jobs) if v],
        },
    )


@login_required
@require_POST
def entry_final(request, pk: int):
    """The entry page's and the job page's "mark final" / "unmark" buttons (the API does the same)."""
    try:
        if request.POST.get("action") == "unmark":
            final_unmark(user=request.user, entry_id=pk)
            messages.success(request, "Unmarked.")
        else:
            final_mark(user=request.user, entry_id=pk, job_id=request.POST.get("job") or None)
            messages.success(request, "Marked final.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)  # the job page's control sends the user back there
    return redirect("entry", pk=pk)


@login_required
def my_page(request):
    """A user's own jobs (every completed one stays listed) and their limits."""
    from jobs.selectors import jobs_of
    from leaderboard.quotas import quotas_for

    jobs = jobs_of(user=request.user).filter(owner=request.user)[:200]
    return render(request, "leaderboard/me.html", {"limits": quotas_for(request.user), "jobs": jobs})
