"""The platform's side of a job run by a remote worker (remote_workers/, docs/fleet.md).

A remote worker holds no secret: it receives what a local worker's sandbox would see (the
submission's code and the benchmark's public folder) and sends back the output folder as one
archive. Everything that needs the hidden data happens here: the upload is unpacked under the
hostile-archive rules, handed to the scoring pool, and scored by :func:`execute_uploaded` with
the local worker's own steps 5-9 (``runner.score_and_complete``).
"""

from __future__ import annotations

import logging
import os
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from benchmarks import registry
from core import logcontext
from jobs import logs, run_steps, runner, transitions
from jobs.models import FailureKind, Job, JobPhase
from jobs.scoring import datasets
from jobs.workspace import Workspace
from sandbox.base import RunOutcome
from submissions import archive as submission_archive

logger = logging.getLogger(__name__)

OUTPUT_NAME = "output.tar"
_CHUNK = 1024 * 1024


def handoff_name(job_id: str) -> str:
    """The owner of a job between its upload and the scoring worker taking it: no worker record
    bears this name, so the sweeper never takes it for a vanished worker (only a stale heartbeat)."""
    return f"scoring-queue:{job_id}"


def run_plan(job: Job) -> dict:
    """What the remote worker needs to build the local worker's RunSpec: the argv, the whole
    environment of the run (PATH and PYTHONPATH are the worker's own, added there) and the
    resource class."""
    resources = runner.resource_class(job.resource_class)
    env = run_steps.submission_env(job, [])
    for own in ("PATH", "PYTHONPATH"):
        env.pop(own, None)
    submission = job.submission
    return {
        "argv": ["{python}", submission.entrypoint, "--config", submission.config_file, "--output", "{output}"],
        "entrypoint": submission.entrypoint,
        "env": env,
        "resources": {
            field: getattr(resources, field)
            for field in ("name", "timeout_s", "memory_mb", "cpus", "max_procs", "max_output_mb", "gpus", "pool")
        }
        | {"max_output_files": resources.max_output_files},
        "has_requirements": job.submission.has_requirements,
        "owner_key": f"user-{job.owner_id}",
    }


def public_archive(benchmark_slug: str) -> tuple[Path, str]:
    """A tar of the benchmark's current public folder (only the public one: ``hidden_dir`` never
    leaves the platform), built once per data set; returns (path, data set id)."""
    benchmark = registry.get(benchmark_slug)
    public_dir, _ = datasets.ready_dirs(benchmark)
    dataset = datasets.dataset_id(benchmark) or "current"
    target = settings.DATA_DIR / "public-archives" / f"{benchmark.slug}-{dataset}.tar"
    if target.exists():
        return target, dataset
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(handle)
    with tarfile.open(scratch, "w") as tar:
        for path in sorted(public_dir.rglob("*")):
            # The platform prepared this folder, but a link in it would still pull in what it points at.
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(public_dir)), recursive=False)
    os.replace(scratch, target)  # another request building the same set at once: the last one wins, both whole
    return target, dataset


def unpack_output(upload: IO[bytes], name: str, destination: Path, *, max_bytes: int, max_files: int) -> int:
    """Unpack the remote worker's output archive into ``destination`` under the upload rules
    (submissions/archive.py: safe relative paths, regular files only, so no link is ever made or
    followed, sizes bounded while streaming); returns the bytes written. Raises UploadRejected."""
    limits = submission_archive.Limits(
        max_files=max_files, max_bytes=max_bytes, max_ratio=2**31, max_members=2 * max_files + 16
    )
    written: set[str] = set()
    total = 0
    for raw, stream, size in submission_archive.archive_entries(upload, name, limits):
        path = submission_archive.normalise_path(raw)
        if path in written or any(path.startswith(f"{seen}/") for seen in written):
            raise submission_archive.UploadRejected(f"{path}: twice in the output archive.", code="duplicate")
        total += size
        if total > max_bytes or len(written) >= max_files:
            raise submission_archive.UploadRejected("the output is over the resource class's limit.", code="too_large")
        target = destination / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # O_NOFOLLOW|O_EXCL: nothing that exists (a folder made for an earlier member) is written through.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as exc:  # "a/b" then "a": the archive names one path as a folder and a file
            raise submission_archive.UploadRejected(f"{path}: {exc.strerror}", code="bad_path") from None
        with os.fdopen(fd, "wb") as sink:
            left = size
            while left > 0:
                chunk = stream.read(min(_CHUNK, left))
                if not chunk:
                    raise submission_archive.UploadRejected(f"{path}: truncated in the output archive.", code="bad")
                sink.write(chunk)
                left -= len(chunk)
        written.add(path)
    return total


def job_report_run(*, job_id: str, worker: str, outcome: RunOutcome) -> str:
    """A remote run that did not end ``ok``: the job ends as a local worker's would."""
    job = Job.objects.select_related("submission").get(pk=job_id)
    with logs.open_for_append(job.pk) as log:
        logs.platform_line(log, f"run ended on {worker}: {outcome.kind} after {outcome.duration_s:.1f} s")
        failure = run_steps.outcome_to_failure(outcome, job)
        if failure is None or failure.kind == "cancelled":
            return "cancelled"
        if failure.kind == FailureKind.PLATFORM and job.attempts < job.max_attempts:
            transitions.job_release(job_id=job_id, worker=worker, reason=failure.reason)
            return "released"
        logs.platform_line(log, f"job failed ({failure.kind}): {failure.reason}")
        transitions.job_fail(job_id=job_id, worker=worker, reason=failure.reason, kind=failure.kind)
        return "failed"


def job_hand_to_scoring(*, job_id: str, worker: str, run_s: float, peak_vram_mb: float) -> bool:
    """The output is unpacked: the job goes to the scoring pool (after commit), owned meanwhile by
    :func:`handoff_name`. False when ``worker`` no longer owns it (cancelled, taken back)."""
    if not transitions.job_hand_over(
        job_id=job_id, worker=worker, to_worker=handoff_name(job_id), phase=JobPhase.SCORING
    ):
        return False

    def enqueue() -> None:
        from jobs.tasks import score_uploaded

        try:
            score_uploaded(job_id, run_s, peak_vram_mb, pool=settings.LB_SCORING_POOL)
        except Exception:  # the heartbeat goes stale, the sweeper gives the job back: it runs again
            logger.exception("could not queue the scoring of job %s", job_id)

    transaction.on_commit(enqueue)
    return True


def execute_uploaded(job_id: str, run_s: float, peak_vram_mb: float) -> str:
    """The scoring pool's task: take the job from the hand-off, then score, record and complete it."""
    with logcontext.bound(job_id=job_id):
        worker = runner.worker_name()
        if not transitions.job_hand_over(job_id=job_id, worker=handoff_name(job_id), to_worker=worker):
            return "not-claimed"
        job = Job.objects.select_related("submission", "owner").get(pk=job_id)
        outcome = RunOutcome(kind="ok", exit_code=0, reason=None, duration_s=run_s, peak_vram_mb=peak_vram_mb)
        workspace = Workspace.of(job.pk)
        with logs.open_for_append(job.pk) as log:
            logs.platform_line(log, f"scoring the uploaded output on {worker}")
            result = runner.run_guarded(
                job, log, worker, lambda: runner.score_and_complete(job, workspace, log, worker, outcome)
            )
        logger.info("job %s", result, extra={"event": "job_finished", "outcome": result, "remote": True})
        return result


def code_archive(job: Job) -> Path:
    """The submission's code as the local worker's sandbox sees it: unpacked once here under the
    upload rules and checked against the manifest (run_steps.extract_submission), then packed as a plain tar of
    regular files for the remote worker. Kept in the job's folder until its output arrives."""
    target = settings.DATA_DIR / "jobs" / str(job.pk) / f"code-{job.attempts}.tar"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        code = Path(scratch) / "code"
        code.mkdir()
        run_steps.extract_submission(job, code)
        part = Path(scratch) / "code.tar"
        with tarfile.open(part, "w") as tar:
            for path in sorted(code.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(code)), recursive=False)
        os.replace(part, target)
    return target
