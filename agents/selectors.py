"""Read-only queries."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from agents.models import AgentModel, ModelSource, TrainingProgress, TrainingRun


# --- Who sees a policy, one rule for the API, the viewer page and /ws/inference (docs/security.md) ------
def models_visible_to(user: AbstractBaseUser) -> QuerySet[AgentModel]:
    """Staff: every policy. Everyone: published ones and baselines. A signed-in user: also their own."""
    models = AgentModel.objects.all()
    if user.is_staff:
        return models
    public = Q(published=True) | Q(baseline=True)
    return models.filter(public | Q(created_by_id=user.pk) if user.is_authenticated else public)


def model_list(*, user: AbstractBaseUser, include_archived: bool = False, job=None) -> QuerySet[AgentModel]:
    models = models_visible_to(user)
    if job is not None:
        models = models.filter(source=ModelSource.JOB, source_ref=str(job))
    return models if include_archived else models.filter(archived=False)


def model_get(model_id, *, user: AbstractBaseUser) -> AgentModel | None:
    """The policy ``model_id`` if ``user`` may see it (someone else's private one is None: a 404)."""
    try:
        return models_visible_to(user).filter(pk=int(model_id)).first()
    except (TypeError, ValueError):
        return None


def model_may_publish(model: AgentModel, user: AbstractBaseUser) -> bool:
    return bool(user.is_authenticated and (user.is_staff or model.created_by_id == user.pk))


def active_model() -> AgentModel | None:
    return AgentModel.objects.filter(active=True).first()


def training_run_for(*, user, run_id=None) -> TrainingRun | None:
    runs = TrainingRun.objects.filter(owner=user)
    return runs.filter(pk=run_id).first() if run_id else runs.first()


def training_run_get(run_id, *, user: AbstractBaseUser) -> TrainingRun | None:
    """The run if ``user`` owns it (or is staff): progress is its owner's, like a job's log."""
    if not user.is_authenticated:
        return None
    runs = TrainingRun.objects.all() if user.is_staff else TrainingRun.objects.filter(owner_id=user.pk)
    try:
        return runs.filter(pk=run_id).first()
    except Exception:  # a malformed UUID
        return None


def progress_after(*, run_id, after_id: int, limit: int = 500) -> list[TrainingProgress]:
    return list(TrainingProgress.objects.filter(run_id=run_id, id__gt=after_id)[:limit])


def model_for_job(job_id) -> AgentModel | None:
    """The policy a completed benchmark job registered (the job page links its replay)."""
    return AgentModel.objects.filter(source=ModelSource.JOB, source_ref=str(job_id), archived=False).first()


# --- The episode log, read: success rate and mean steps by model and maze over time (staff) -----------
EPISODE_BUCKETS = ("hour", "day", "week")


def episode_stats(
    *, bucket: str = "day", since=None, model_id: int | None = None, maze_id: str | None = None
) -> list[dict]:
    """One row per (period, model, maze): episodes, successes, success_rate, mean_steps, mean_reward;
    newest period first. Aggregated in the database (the log is append-only and grows)."""
    from django.db.models import Avg, Count
    from django.db.models.functions import TruncDay, TruncHour, TruncWeek

    from agents.models import EpisodeLog

    trunc = {"hour": TruncHour, "day": TruncDay, "week": TruncWeek}[bucket]
    rows = EpisodeLog.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if model_id is not None:
        rows = rows.filter(model_id=model_id)
    if maze_id:
        rows = rows.filter(maze_id=maze_id)
    grouped = (
        rows.annotate(period=trunc("created_at"))
        .values("period", "model_id", "model__name", "model__version", "maze_id")
        .annotate(
            episodes=Count("id"),
            successes=Count("id", filter=Q(success=True)),
            mean_steps=Avg("steps"),
            mean_reward=Avg("total_reward"),
        )
        .order_by("-period", "model_id", "maze_id")
    )
    return [
        {
            "period": row["period"],
            "model_id": row["model_id"],
            "model": f"{row['model__name']} v{row['model__version']}" if row["model_id"] else "(deleted)",
            "maze_id": row["maze_id"],
            "episodes": row["episodes"],
            "successes": row["successes"],
            "success_rate": row["successes"] / row["episodes"],
            "mean_steps": float(row["mean_steps"]),
            "mean_reward": float(row["mean_reward"]),
        }
        for row in grouped
    ]
