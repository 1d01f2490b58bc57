"""Pages that set entries side by side (issue 31): the suite board and the comparison of two entries.

Thin: parse, call one reader (``leaderboard.suites``, ``leaderboard.compare``), render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from benchmarks import registry
from core.errors import NotFound
from leaderboard import suites, units


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
