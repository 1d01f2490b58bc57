"""Pages: live viewer, training console, experiments."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from agents import selectors
from agents.episode import viewer_mazes
from agents.training import MAZE_SETS


def viewer_page(request):
    context = {
        "models": selectors.model_list(),
        "active": selectors.active_model(),
        "mazes": list(viewer_mazes(settings.LB_VIEWER_MAZES)),
        "max_speed": settings.LB_WS_MAX_SPEED,
        "chosen": request.GET.get("model", ""),  # ?model=<id>: replay that policy (the job page links here)
    }
    return render(request, "agents/viewer.html", context)


@ensure_csrf_cookie
def training_page(request):
    context = {"maze_sets": sorted(MAZE_SETS), "max_timesteps": settings.LB_TRAINING_MAX_TIMESTEPS,
               "runs": request.user.training_runs.all()[:10] if request.user.is_authenticated else []}
    return render(request, "agents/training.html", context)


def experiments_page(request):
    return render(request, "agents/experiments.html", {"mlflow_ui": settings.MLFLOW_UI_URL})
