"""Everything that changes agents' state goes through these functions."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from agents import policies
from agents.models import (
    ACTIVE_TRAINING,
    AgentModel,
    EpisodeLog,
    ModelSource,
    TrainingProgress,
    TrainingRun,
    TrainingStatus,
)
from benchmarks import registry
from core.errors import Conflict, DomainError, InvalidInput, LimitExceeded, NotFound

DEMO_NAME = "maze-demo"


class Forbidden(DomainError):
    code = "permission_denied"
    status_code = 403


def _models_dir() -> Path:
    path = Path(settings.LB_MODELS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def model_register(
    *,
    path: Path,
    name: str,
    source: str,
    metadata: dict | None = None,
    source_ref: str = "",
    sampling: str = "greedy",
    created_by=None,
    activate: bool = False,
    baseline: bool | None = None,
) -> AgentModel:
    """Validate ``path``, copy it into the models directory and add a new version of ``name``.

    A job's or a training run's policy is private to its owner until they publish it; the demo and
    staff uploads are baselines, public from the start (``baseline`` overrides)."""
    path = Path(path)
    if not path.is_file() or path.is_symlink():
        raise InvalidInput(f"{path.name}: no such policy file")
    if path.stat().st_size > settings.LB_MODEL_MAX_BYTES:
        raise InvalidInput(f"{path.name}: larger than {settings.LB_MODEL_MAX_BYTES} bytes")
    try:
        policies.validate(path)
    except policies.PolicyInvalid as exc:
        raise InvalidInput(f"{path.name}: {exc}", code="invalid_model") from exc
    if sampling not in ("greedy", "softmax"):
        raise InvalidInput(f"sampling must be greedy or softmax, not {sampling!r}")
    sha = policies.sha256_of(path)
    stored = _models_dir() / f"{sha}.onnx"  # content-addressed: a file is written once
    if not stored.exists():
        shutil.copyfile(path, stored)
    meta = dict(metadata or {})
    with transaction.atomic():
        version = (AgentModel.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0) + 1
        model = AgentModel.objects.create(
            name=name,
            version=version,
            algorithm=str(meta.get("algorithm", ""))[:32],
            trained_at=_parse_time(meta.get("trained_at")),
            success_rate=_float_or_none(meta.get("success_rate")),
            maze_set=str(meta.get("maze_set", ""))[:128],
            source=source,
            source_ref=source_ref,
            file=stored.name,
            sha256=sha,
            sampling=sampling,
            metadata=meta,
            created_by=created_by,
            baseline=source in (ModelSource.DEMO, ModelSource.UPLOAD) if baseline is None else baseline,
        )
    if activate:
        model = model_activate(model_id=model.id)
    return model


def _sidecar(path: Path) -> dict:
    for candidate in (path.with_suffix(".json"), path.parent / "policy.json"):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text())
                return data if isinstance(data, dict) else {}
            except ValueError:
                return {}
    return {}


def _produces_policy(slug: str) -> bool:
    """Whether jobs of benchmark ``slug`` write an agent policy (the benchmark says so)."""
    try:
        return registry.get(slug).produces_policy
    except registry.UnknownBenchmark:
        return False  # a benchmark no longer served: nothing to register


def model_register_from_job(*, job, output_dir: Path) -> AgentModel | None:
    """Register ``output_dir/policy.onnx`` of a completed job of a benchmark that
    ``produces_policy`` (None for other benchmarks or when the job wrote no policy).
    Call after the job completes, before its workspace is deleted: the file is copied."""
    path = Path(output_dir) / "policy.onnx"
    if not _produces_policy(job.benchmark) or not path.is_file():
        return None
    meta = _sidecar(path)
    sampling = meta.get("sampling", "greedy") if meta.get("sampling") in ("greedy", "softmax") else "greedy"
    meta = {
        "algorithm": meta.get("algorithm", ""),
        "trained_at": timezone.now().isoformat(),
        "success_rate": (job.metrics or {}).get("success_rate"),
        "maze_set": "public-train",
        "job_id": str(job.id),
    }
    return model_register(
        path=path,
        name=f"job-{str(job.id)[:8]}",
        source=ModelSource.JOB,
        metadata=meta,
        source_ref=str(job.id),
        sampling=sampling,
        created_by=job.owner,
    )


def model_upload(*, uploaded, name: str, metadata: dict, user) -> AgentModel:
    """Register an uploaded file (a Django ``UploadedFile``)."""
    if uploaded.size > settings.LB_MODEL_MAX_BYTES:
        raise InvalidInput(f"the file is larger than {settings.LB_MODEL_MAX_BYTES} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.onnx"
        with open(path, "wb") as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
        return model_register(
            path=path,
            name=name,
            source=ModelSource.UPLOAD,
            metadata=metadata,
            sampling=metadata.get("sampling", "greedy"),
            created_by=user,
        )


def model_activate(*, model_id: int) -> AgentModel:
    """Make ``model_id`` the one active model. The partial unique index makes a
    concurrent second activation fail instead of leaving two active rows."""
    with transaction.atomic():
        model = AgentModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound(f"model {model_id} does not exist")
        if model.archived:
            raise Conflict(f"model {model_id} is archived; unarchive it first")
        if not (model.published or model.baseline):
            raise Conflict(
                f"model {model_id} is private; its owner publishes it, or staff make it a baseline, "
                "before it can be everyone's default"
            )
        AgentModel.objects.filter(active=True).exclude(pk=model_id).update(active=False)
        try:
            with transaction.atomic():
                AgentModel.objects.filter(pk=model_id).update(active=True)
        except IntegrityError as exc:
            raise Conflict("another activation is in progress; retry") from exc
    model.refresh_from_db()
    return model


def model_archive(*, model_id: int, archived: bool = True) -> AgentModel:
    model = AgentModel.objects.filter(pk=model_id).first()
    if model is None:
        raise NotFound(f"model {model_id} does not exist")
    if archived and model.active:
        raise Conflict("the active model cannot be archived; activate another one first")
    model.archived = archived
    model.save(update_fields=["archived"])
    return model


def model_publish(*, model_id: int, user, published: bool = True) -> AgentModel:
    """Publish (or withdraw) a policy: its owner or staff. Someone else's private policy is a 404,
    someone else's public one a 403."""
    from agents.selectors import model_get, model_may_publish

    model = model_get(model_id, user=user)
    if model is None:
        raise NotFound(f"model {model_id} does not exist")
    if not model_may_publish(model, user):
        raise Forbidden(f"only the owner of model {model_id} or staff may publish it")
    try:
        with transaction.atomic():  # the active policy must stay public: a check constraint says so
            AgentModel.objects.filter(pk=model.pk).update(published=published)
    except IntegrityError as exc:
        raise Conflict(f"model {model_id} is the viewer's active model; activate another one first") from exc
    model.refresh_from_db()
    return model


def model_set_baseline(*, model_id: int, baseline: bool) -> AgentModel:
    """Staff: make a policy a baseline (public to everyone) or take that back."""
    try:
        with transaction.atomic():
            if not AgentModel.objects.filter(pk=model_id).update(baseline=baseline):
                raise NotFound(f"model {model_id} does not exist")
    except IntegrityError as exc:
        raise Conflict(f"model {model_id} is the viewer's active model; activate another one first") from exc
    return AgentModel.objects.get(pk=model_id)


def demo_model_ensure() -> tuple[AgentModel, bool]:
    """Register (and activate when none is active) the shipped demo policy, once."""
    from benchmarks.maze import demo_policy_path

    path = demo_policy_path()
    sha = policies.sha256_of(path)
    existing = AgentModel.objects.filter(sha256=sha, source=ModelSource.DEMO).first()
    if existing is not None and (_models_dir() / existing.file).exists():
        return existing, False
    model = model_register(path=path, name=DEMO_NAME, source=ModelSource.DEMO, metadata=_sidecar(path))
    if not AgentModel.objects.filter(active=True).exists():
        model = model_activate(model_id=model.id)
    return model, True


def episode_log(*, model_id: int | None, maze_id: str, steps: int, success: bool, total_reward: float) -> EpisodeLog:
    return EpisodeLog.objects.create(
        model_id=model_id, maze_id=maze_id, steps=steps, success=success, total_reward=total_reward
    )


# --- training ----------------------------------------------------------------
def training_start(*, user, params: dict) -> TrainingRun:
    """Queue a training run for ``user`` (params already validated by the API)."""
    with transaction.atomic():
        # Lock the user's row so two concurrent starts cannot both pass the count.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = TrainingRun.objects.filter(owner=user)
        if mine.filter(status__in=ACTIVE_TRAINING).exists():
            raise LimitExceeded(
                "you already have a training run queued or running; stop it or wait", headers={"Retry-After": "60"}
            )
        hour_ago = timezone.now() - timedelta(hours=1)
        if mine.filter(created_at__gte=hour_ago).count() >= settings.LB_TRAINING_PER_HOUR:
            raise LimitExceeded(
                f"at most {settings.LB_TRAINING_PER_HOUR} training runs per hour", headers={"Retry-After": "600"}
            )
        run = TrainingRun.objects.create(owner=user, params=params)
        from agents.tasks import run_training

        transaction.on_commit(lambda: run_training(str(run.id)))
    return run


def training_stop(*, user, run_id=None) -> TrainingRun:
    runs = TrainingRun.objects.filter(owner=user, status__in=ACTIVE_TRAINING)
    run = runs.filter(pk=run_id).first() if run_id else runs.first()
    if run is None:
        raise NotFound("no queued or running training run to stop")
    TrainingRun.objects.filter(pk=run.pk).update(stop_requested=True)
    # A run the worker has not picked up yet simply never starts.
    TrainingRun.objects.filter(pk=run.pk, status=TrainingStatus.QUEUED).update(
        status=TrainingStatus.STOPPED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def training_progress_record(*, run_id, report: dict) -> None:
    row = {
        "episode": int(report.get("episode") or 0),
        "timesteps": int(report.get("timesteps") or 0),
        "reward": _float_or_none(report.get("reward")),
        "loss": _float_or_none(report.get("loss")),
        "success_rate": _float_or_none(report.get("success_rate")),
    }
    TrainingProgress.objects.create(run_id=run_id, **row)
    TrainingRun.objects.filter(pk=run_id).update(latest=row)


def training_mark(*, run_id, status: str, expected: tuple[str, ...], **fields) -> bool:
    """Move a run to ``status`` only from one of the ``expected`` statuses (a stop that
    landed first wins); False when the run was elsewhere."""
    if status in (TrainingStatus.SUCCEEDED, TrainingStatus.STOPPED, TrainingStatus.FAILED):
        fields.setdefault("finished_at", timezone.now())
    if status == TrainingStatus.RUNNING:
        fields.setdefault("started_at", timezone.now())
    return bool(TrainingRun.objects.filter(pk=run_id, status__in=expected).update(status=status, **fields))
