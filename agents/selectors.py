"""Read-only queries."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.models import AgentModel, ModelSource, TrainingProgress, TrainingRun


def model_list(*, include_archived: bool = False) -> QuerySet[AgentModel]:
    models = AgentModel.objects.all()
    return models if include_archived else models.filter(archived=False)


def model_get(model_id) -> AgentModel | None:
    try:
        return AgentModel.objects.filter(pk=int(model_id)).first()
    except (TypeError, ValueError):
        return None


def active_model() -> AgentModel | None:
    return AgentModel.objects.filter(active=True).first()


def training_run_for(*, user, run_id=None) -> TrainingRun | None:
    runs = TrainingRun.objects.filter(owner=user)
    return runs.filter(pk=run_id).first() if run_id else runs.first()


def training_run_get(run_id) -> TrainingRun | None:
    try:
        return TrainingRun.objects.filter(pk=run_id).first()
    except Exception:  # a malformed UUID
        return None


def progress_after(*, run_id, after_id: int, limit: int = 500) -> list[TrainingProgress]:
    return list(TrainingProgress.objects.filter(run_id=run_id, id__gt=after_id)[:limit])


def model_for_job(job_id) -> AgentModel | None:
    """The policy a completed benchmark job registered (the job page links its replay)."""
    return AgentModel.objects.filter(source=ModelSource.JOB, source_ref=str(job_id), archived=False).first()
