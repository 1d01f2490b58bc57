"""The sandbox interface shared by every backend.

A *sandbox* runs one untrusted command (a submission's ``main.py`` or the
``pip install`` of its requirements) with a resource class, streams its
output to a log file and says how it ended. It never imports Django: the job
runner in ``jobs/`` builds a :class:`RunSpec` and reads the :class:`RunOutcome`.

Paths inside ``RunSpec.argv`` and ``RunSpec.env`` may use placeholders that each
backend replaces with *its own view* of the paths (the sandbox may mount the
submission somewhere else than the host path):

``{python}``  the interpreter to use inside the sandbox
``{code}``    the submission folder (read-only, the working directory)
``{output}``  the output folder (writable)
``{dataset}`` the public data set (read-only; empty string when there is none)
``{tmp}``     a private scratch folder
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

OutcomeKind = Literal["ok", "exit", "timeout", "oom", "output_limit", "cancelled", "sandbox_error"]

PLACEHOLDERS = ("{python}", "{code}", "{output}", "{dataset}", "{tmp}")


class SandboxUnavailable(RuntimeError):
    """The requested backend cannot run here (missing tool, refused in production)."""


@dataclass(frozen=True)
class ResourceClass:
    name: str
    timeout_s: int
    memory_mb: int
    cpus: float
    # Tasks, not only processes: threads count too (both RLIMIT_NPROC and the
    # cgroup pids controller count threads).
    max_procs: int
    max_output_mb: int
    gpus: int = 0
    pool: str = "default"  # the queue its jobs go to; workers serve pools (docs/fleet.md)
    # Files, folders and links in the output (each takes an inode). A hard cap where the
    # output is a capped mount (sandbox/output_mount.py), else polled; always checked at the end.
    max_output_files: int = 100_000


@dataclass
class RunSpec:
    argv: list[str]
    code_dir: Path
    output_dir: Path
    dataset_dir: Path | None
    env: dict[str, str]
    resources: ResourceClass
    extra_ro_dirs: list[Path] = field(default_factory=list)
    gpu_index: int | None = None
    # Only the dependency-install step sets this: the run itself never has network.
    network: bool = False
    # Metadata for the backend to attach where it can (the docker backend: container
    # labels ``lb.job``, ``lb.worker``), so that a container left by a crashed worker can
    # be found and removed (jobs/containers.py). Platform-made values only, never submission text.
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class RunOutcome:
    kind: OutcomeKind
    exit_code: int | None
    reason: str | None
    duration_s: float
    peak_vram_mb: float = 0.0
    # CPU seconds (user + system) of the run's process tree as the kernel accounted them to the
    # process we waited for (bubblewrap reaps its children, so theirs are included; the docker
    # backend's is the CLI's only).
    cpu_s: float = 0.0
    peak_mem_mb: float = 0.0  # the largest resident set among those processes (ru_maxrss)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class Sandbox(Protocol):
    name: str

    def run(
        self,
        spec: RunSpec,
        *,
        log: BinaryIO,
        should_cancel: Callable[[], bool] = lambda: False,
        on_tick: Callable[[], None] | None = None,
    ) -> RunOutcome: ...


def substitute(text: str, view: Mapping[str, str]) -> str:
    """Replace the ``{python}``-style placeholders in ``text``.

    Plain replacement rather than ``str.format``: argv and env values may hold
    literal braces (JSON, shell snippets) that must pass through untouched.
    """
    for key, value in view.items():
        text = text.replace("{" + key + "}", value)
    return text


def substitute_spec(spec: RunSpec, view: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The spec's argv and env with every placeholder replaced by ``view``."""
    argv = [substitute(arg, view) for arg in spec.argv]
    env = {key: substitute(value, view) for key, value in spec.env.items()}
    return argv, env


def format_mb(mb: float) -> str:
    """``8192`` → ``"8 GiB"``, ``300`` → ``"300 MiB"`` for failure reasons."""
    if mb >= 1024 and mb % 1024 == 0:
        return f"{int(mb // 1024)} GiB"
    if mb >= 1024:
        return f"{mb / 1024:.1f} GiB"
    return f"{int(mb)} MiB"
