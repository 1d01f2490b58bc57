"""Pages: live viewer, training console, experiments."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from agents import selectors, services
from agents.episode import viewer_mazes
from agents.training import MAZE_SETS
from core.errors import DomainError


@ensure_csrf_cookie  # staff's "Make active" posts to /api/models/active with the session
def viewer_page(request):
    context = {
        "models": selectors.model_list(user=request.user),  # published, baselines, the user's own
        "active": selectors.active_model(),
        "mazes": list(viewer_mazes(settings.LB_VIEWER_MAZES)),
        "max_speed": settings.LB_WS_MAX_SPEED,
        "chosen": request.GET.get("model", ""),  # ?model=<id>: replay that policy (the job page links here)
    }
    return render(request, "agents/viewer.html", context)


@ensure_csrf_cookie
def training_page(request):
    context = {
        "maze_sets": sorted(MAZE_SETS),
        "max_timesteps": settings.LB_TRAINING_MAX_TIMESTEPS,
        "runs": request.user.training_runs.all()[:10] if request.user.is_authenticated else [],
    }
    return render(request, "agents/training.html", context)


@staff_member_required
def episodes_page(request):
    """Staff: success rate and mean steps by model and maze per day, from the episode log
    (the same numbers as GET /api/episodes)."""
    from datetime import timedelta

    from django.utils import timezone

    rows = selectors.episode_stats(bucket="day", since=timezone.now() - timedelta(days=30))
    return render(request, "agents/episodes.html", {"rows": rows[:500]})


def experiments_page(request):
    return render(request, "agents/experiments.html", {"mlflow_ui": settings.MLFLOW_UI_URL})


@login_required
@require_POST
def model_publish_page(request, pk: int):
    """The job page's "Publish this policy" checkbox (the API's POST /api/models/<id>/publish)."""
    try:
        services.model_publish(model_id=pk, user=request.user, published=request.POST.get("published") == "on")
        messages.success(
            request,
            "Policy published."
            if request.POST.get("published") == "on"
            else "Policy withdrawn: only you and staff see it.",
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("agents-viewer")
