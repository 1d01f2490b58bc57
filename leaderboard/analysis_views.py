"""Pages that set entries side by side (issue 31): the suite board and the comparison of two entries.

Thin: parse, call one reader (``leaderboard.suites``, ``leaderboard.compare``), render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render

from benchmarks import registry
from core.errors import DomainError, NotFound
from leaderboard import compare, suites, units


def suite_page(request, suite: str):
    try:
        data = suites.suite_board(suite, part=request.GET.get("part"))
    except NotFound:
        raise Http404(f"Unknown suite {suite}") from None
    metric = units.metrics_of({"metric_info": data["metric_info"]})[data["primary_metric"]]
    titles = {slug: registry.get(slug).title for slug in data["members"]}
    rows = [(row, [row["members"][slug]["value"] for slug in data["members"]]) for row in data["rows"]]
    return render(
        request,
        "leaderboard/suite.html",
        {"suite": data, "metric": metric, "titles": titles, "rows": rows},
    )


def compare_page(request, a: str, b: str):
    try:
        data = compare.compare_jobs(user=request.user, a=a, b=b)
    except NotFound:
        raise Http404("No such pair of jobs visible to you") from None
    except DomainError as exc:
        return render(request, "leaderboard/compare.html", {"error": exc.detail}, status=400)
    metrics = units.metrics_of({"metric_info": data["metric_info"]})
    return render(
        request,
        "leaderboard/compare.html",
        {"data": data, "metrics": metrics, "primary": metrics[data["primary_metric"]]},
    )


def compare_pick(request):
    """The board's "Compare" button: the two ticked jobs, as ``/compare/<a>/<b>/``."""
    picked = [job for job in request.GET.getlist("job") if job][:3]
    if len(picked) != 2:
        return render(request, "leaderboard/compare.html", {"error": "Tick exactly two rows to compare."}, status=400)
    return redirect("compare", a=picked[0], b=picked[1])
