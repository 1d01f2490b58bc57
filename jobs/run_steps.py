"""The steps of a job's run that touch the sandbox and the scorer: unpack the stored archive, install
its requirements, run it in the sandbox with the platform's environment and limits, turn the outcome
into a failure (whose fault), and score the output in a limited child. jobs/runner.py drives them and
owns the job's state; jobs/remote.py reuses them for a remote worker's upload."""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from pathlib import Path

from django.conf import settings

from benchmarks import registry
from benchmarks.base import RunInfo, Score
from jobs import containers, logs, transitions
from jobs.models import FailureKind, Job, JobPhase
from jobs.scoring import datasets, isolated, isolated_score
from jobs.workspace import Workspace
from sandbox import get_sandbox
from sandbox.base import ResourceClass, RunOutcome, RunSpec
from submissions import archive as submission_archive

# The runner's logger: these lines were its own before the split, and log filters and alerts may name it.
logger = logging.getLogger("jobs.runner")


class JobFailed(Exception):
    def __init__(self, reason: str, kind: str):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def worker_name() -> str:
    """``host:pid``, the key of this worker's fleet record (LB_WORKER_HOST names the host)."""
    return f"{settings.LB_WORKER_HOST or socket.gethostname()}:{os.getpid()}"


def resource_class(name: str) -> ResourceClass:
    spec = settings.LB_RESOURCE_CLASSES[name]
    return ResourceClass(name=name, **spec)


def extract_submission(job: Job, destination: Path) -> None:
    """Unpack the archive as stored (a .zip or tar as uploaded, or the tar.gz of loose files)
    once, under the upload rules, checking every file against the submission's manifest."""
    stored = job.submission.archive
    submission_archive.extract(
        lambda: stored.storage.open(stored.name, "rb"),
        stored.name,
        destination,
        job.submission.files,
        job.submission.entrypoint,
    )


class _Ticker:
    """Heartbeat and cancel checks, called about once a second by the sandbox."""

    def __init__(self, job_id: str, worker: str):
        self.job_id, self.worker = job_id, worker
        self.last_beat = 0.0
        self.lost = False

    def tick(self) -> None:
        if time.monotonic() - self.last_beat >= settings.LB_HEARTBEAT_S:
            self.last_beat = time.monotonic()
            self.lost = not transitions.job_heartbeat(job_id=self.job_id, worker=self.worker)

    def should_cancel(self) -> bool:
        # Cancelled by a user, or taken back by the sweeper: stop either way.
        return self.lost or not transitions.job_still_owned(job_id=self.job_id, worker=self.worker)


def _run_submission(job: Job, workspace: Workspace, log, worker: str) -> RunOutcome:
    benchmark = registry.get(job.benchmark)
    public_dir, _ = datasets.ready_dirs(benchmark)
    resources = resource_class(job.resource_class)
    extra_dirs, pythonpath = [], [str(settings.BASE_DIR)]
    sandbox = _sandbox()  # one construction for the install step and the run
    if job.submission.has_requirements:
        transitions.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.INSTALLING)
        layer = _install_requirements(job, workspace, log, sandbox)
        if layer is not None:  # None: the file lists nothing to install
            extra_dirs.append(layer)
            pythonpath.insert(0, str(layer))
    transitions.job_set_phase(job_id=str(job.pk), worker=worker, phase=JobPhase.EXECUTING)
    submission = job.submission
    spec = RunSpec(
        argv=["{python}", submission.entrypoint, "--config", submission.config_file, "--output", "{output}"],
        code_dir=workspace.code,
        output_dir=workspace.output,
        dataset_dir=public_dir,
        env=submission_env(job, pythonpath),
        resources=resources,
        extra_ro_dirs=extra_dirs,
        gpu_index=_gpu_index(resources),
        # Whose container it is, so a worker starting after this one crashed removes it.
        labels=containers.container_labels(job_id=str(job.pk), worker=worker),
    )
    logs.platform_line(
        log,
        f"running {submission.entrypoint} in sandbox {sandbox.name!r}, "
        f"resource class {resources.name} (timeout {resources.timeout_s} s, "
        f"memory {resources.memory_mb} MiB)",
    )
    ticker = _Ticker(str(job.pk), worker)
    return sandbox.run(spec, log=log, should_cancel=ticker.should_cancel, on_tick=ticker.tick)


def _sandbox():
    """The configured backend, told explicitly what it must hide and run."""
    if settings.LB_SANDBOX == "bubblewrap":
        from sandbox.bubblewrap import default_hidden_paths

        hidden = default_hidden_paths(settings.BASE_DIR) + [settings.DATA_DIR]
        return get_sandbox("bubblewrap", debug=settings.DEBUG, hidden_paths=hidden)
    if settings.LB_SANDBOX == "docker":
        import shlex

        from sandbox.docker import parse_path_map

        return get_sandbox(
            "docker",
            debug=settings.DEBUG,
            image=settings.LB_SANDBOX_IMAGE,
            cli=settings.LB_CONTAINER_CLI,
            cli_args=shlex.split(settings.LB_CONTAINER_CLI_ARGS),
            path_map=parse_path_map(settings.LB_DOCKER_PATH_MAP) or None,
        )
    return get_sandbox(settings.LB_SANDBOX, debug=settings.DEBUG)


def _install_requirements(job: Job, workspace: Workspace, log, sandbox) -> Path | None:
    """The job's dependency layer, per owner (no one runs another's build output),
    installed offline in ``sandbox``, the run's own; see sandbox/deps.py."""
    from sandbox import deps

    try:
        return deps.ensure_requirements(
            workspace.code / "requirements.txt",
            cache_root=settings.DATA_DIR / "envs",
            owner_key=f"user-{job.owner_id}",
            sandbox=sandbox,
            log=log,
            timeout_s=settings.LB_DEPS_TIMEOUT_S,
            debug=settings.DEBUG,
            pass_env=settings.LB_DEPS_PASS_ENV,
            allow_source_builds=settings.LB_DEPS_ALLOW_SOURCE_BUILDS,
            cache_max_gb=settings.LB_DEPS_CACHE_MAX_GB,
        )
    except deps.DependencyInstallError as exc:
        raise JobFailed(f"installing requirements.txt failed: {exc}", exc.kind) from exc


def _gpu_index(resources: ResourceClass) -> int | None:
    if resources.gpus and settings.LB_WORKER_GPU != "":
        return int(settings.LB_WORKER_GPU)
    return None


def submission_env(job: Job, pythonpath: list[str]) -> dict[str, str]:
    """The whole environment of the run: nothing of the platform's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "{tmp}",
        "TMPDIR": "{tmp}",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": ":".join(pythonpath),
        "MPLCONFIGDIR": "{tmp}/matplotlib",
        "HF_HUB_OFFLINE": "1",
        "TORCH_HOME": "{tmp}/torch",
        "LB_BENCHMARK": job.benchmark,
        "LB_DATASET_DIR": "{dataset}",
        "LB_OUTPUT_DIR": "{output}",
        "LB_JOB_ID": str(job.pk),
        "LB_RESOURCE_CLASS": job.resource_class,
        # The training seed of a "k seeds" run (benchmarks/base.py TRAIN_SEED_ENV); absent otherwise.
        **({"LB_TRAIN_SEED": str(job.train_seed)} if job.train_seed is not None else {}),
    }


def outcome_to_failure(outcome: RunOutcome, job: Job) -> JobFailed | None:
    if outcome.kind == "ok":
        return None
    if outcome.kind == "cancelled":
        return JobFailed("cancelled", "cancelled")
    if outcome.kind == "sandbox_error":
        return JobFailed(f"sandbox error: {outcome.reason}", FailureKind.PLATFORM)
    reason = outcome.reason or f"exit code {outcome.exit_code}"
    tail = logs.tail_lines(job.pk, settings.LB_LOG_TAIL_LINES)
    if outcome.kind == "exit" and tail:
        reason = f"{reason}; last lines of the log:\n{tail}"
    return JobFailed(reason, FailureKind.SUBMISSION)


def scoring_limits(
    resource_class_name: str, *, what: str = "scoring", culprit: str = "the submission's output"
) -> isolated.Limits:
    """The scoring child's limits: LB_SCORING_*, memory from the resource class unless set."""
    memory_mb = settings.LB_SCORING_MEMORY_MB or settings.LB_RESOURCE_CLASSES.get(resource_class_name, {}).get(
        "memory_mb", 4096
    )
    return isolated.Limits(
        timeout_s=settings.LB_SCORING_TIMEOUT_S,
        memory_mb=int(memory_mb),
        max_file_mb=settings.LB_SCORING_MAX_FILE_MB,
        require_no_network=settings.LB_SCORING_REQUIRE_NO_NETWORK,
        what=what,
        culprit=culprit,
    )


def _score(job: Job, workspace: Workspace, outcome: RunOutcome, ticker: _Ticker) -> Score:
    """The benchmark's scorer, in a limited child (jobs/scoring/isolated.py).

    Whose fault: everything that goes wrong once the child has started on the
    submission's output (ScoringError, any other exception, a signal, memory, the
    timeout, a malformed answer) is the submission's. Only what fails before it is
    the platform's: data not prepared (DatasetMissing, raised here) or a child that
    could not be started (CouldNotStart). A genuine bug in a scorer therefore fails
    jobs as submission errors; the child's traceback goes to the worker's log."""
    benchmark = registry.get(job.benchmark)
    _, hidden_dir = datasets.ready_dirs(benchmark)
    run_info = RunInfo(
        wall_seconds=outcome.duration_s,
        peak_vram_mb=outcome.peak_vram_mb,
        gpu=outcome.peak_vram_mb > 0 or settings.LB_WORKER_GPU != "",
        resource_class=job.resource_class,
    )
    limits = scoring_limits(job.resource_class)
    try:
        score, ran = isolated_score.score(
            benchmark,
            output_dir=workspace.output,
            hidden_dir=hidden_dir,
            artifact_dir=workspace.artifacts,
            run_info=run_info,
            limits=limits,
            on_tick=ticker.tick,
            should_cancel=ticker.should_cancel,
        )
    except isolated.Cancelled:
        raise JobFailed("cancelled", "cancelled") from None
    except isolated.CouldNotStart as exc:
        logger.error("job %s: the scoring process could not start: %s", job.pk, exc)
        raise JobFailed(f"scoring could not start: {exc}", FailureKind.PLATFORM) from exc
    except isolated.Stopped as exc:
        if exc.detail:
            logger.warning(
                "job %s: scoring stopped (%s, charged to the submission): %s\n%s",
                job.pk,
                exc.kind,
                exc.reason,
                exc.detail,
            )
        reason = f"output rejected by the scorer: {exc.reason}" if exc.kind == "rejected" else exc.reason
        raise JobFailed(reason, FailureKind.SUBMISSION) from None
    if not ran.network_isolated:
        logger.warning(
            "job %s: scored WITHOUT network isolation (unshare refused; "
            "LB_SCORING_REQUIRE_NO_NETWORK=1 refuses instead)",
            job.pk,
        )
    return score
