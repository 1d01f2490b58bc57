"""The ``docker`` backend: each run in its own container on a real engine.

Same policy as bubblewrap, expressed as ``run`` flags: no network, read-only
root, an unprivileged user, no capabilities, tmpfs scratch, memory, CPU and
task limits from the resource class, and ``--gpus device=N`` for the GPU the
worker owns (enforced by the NVIDIA runtime, unlike ``CUDA_VISIBLE_DEVICES``
alone). The image is the *sandbox* image (``leaders-board-sandbox``): Python
and the ML stack, no platform code or data.

The engine is driven through its command-line tool: ``LB_CONTAINER_CLI``
(``docker`` by default, ``podman`` accepted) with extra global flags from
``LB_CONTAINER_CLI_ARGS`` (e.g. ``--runtime /usr/sbin/runc --cgroup-manager=cgroupfs``).
The test suite runs every hostile submission through podman.

Bind mounts are resolved by the engine on *its* host. When the worker itself
runs in a container (compose) and reaches the host's engine through its
socket, the worker's paths (``/shared/jobs/7/code``) do not exist there: the
backend asks the engine how the worker's own container mounts them (its
``Mounts``: ``/shared`` ← ``/var/lib/docker/volumes/lb_shared/_data``) and
maps through that. ``LB_DOCKER_PATH_MAP=/shared=/srv/lb/shared`` overrides it.

A container is kept after it exits until its state (``OOMKilled``, exit code)
has been read, then removed: ``--rm`` would race the out-of-memory report.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .base import RunOutcome, RunSpec, SandboxUnavailable, substitute_spec
from .output_mount import capped_output
from .supervise import Launch, supervise

SANDBOX_CODE = "/sandbox/code"
SANDBOX_OUTPUT = "/sandbox/output"
SANDBOX_DATASET = "/sandbox/dataset"
# The sandbox image's interpreter (Dockerfile: a venv at /opt/venv), by absolute
# path: the run's PATH is the worker's, which need not match the image's.
SANDBOX_PYTHON = "/opt/venv/bin/python"
OOM_EXIT_CODE = 137  # 128 + SIGKILL: what an engine reports for a kernel OOM kill
logger = logging.getLogger(__name__)


def parse_path_map(text: str) -> dict[str, str]:
    """``"/data=/srv/lb/data,/app=/srv/lb/app"`` → ``{"/data": "/srv/lb/data", …}``."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {inner.rstrip("/"): outer.rstrip("/") for inner, outer in pairs}


def path_map_from_mounts(mounts: list[dict]) -> dict[str, str]:
    """A worker container's ``Mounts`` (from ``inspect``) → {its path: the engine host's path}."""
    found = {}
    for mount in mounts or []:
        source, destination = mount.get("Source"), mount.get("Destination")
        if source and destination and mount.get("Type") in ("volume", "bind"):
            found[destination.rstrip("/") or "/"] = source.rstrip("/") or "/"
    return found


def in_container() -> bool:
    return os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")


class DockerSandbox:
    name = "docker"

    def __init__(
        self,
        *,
        image: str | None = None,
        python: str = SANDBOX_PYTHON,
        user: str | None = None,
        cli: str | None = None,
        cli_args: list[str] | None = None,
        path_map: dict[str, str] | None = None,
        host_ro_dirs: list[Path] | None = None,
        require_engine: bool = True,
    ) -> None:
        self.image = image or os.environ.get("LB_SANDBOX_IMAGE", "")
        if not self.image:
            raise SandboxUnavailable("the docker sandbox needs an image (LB_SANDBOX_IMAGE)")
        self.cli = cli or os.environ.get("LB_CONTAINER_CLI") or "docker"
        self.cli_args = cli_args if cli_args is not None else shlex.split(os.environ.get("LB_CONTAINER_CLI_ARGS", ""))
        if require_engine and shutil.which(self.cli) is None:
            raise SandboxUnavailable(f"{self.cli!r} (LB_CONTAINER_CLI) is not installed")
        self.python = python
        # A root worker hands the run to "nobody" (and chowns the output folder
        # to it); an unprivileged worker (the compose image's "lb") runs it as
        # itself, which owns the folders it mounts.
        self.user = user or ("65534:65534" if os.geteuid() == 0 else f"{os.getuid()}:{os.getgid()}")
        # Host folders bound read-only at their own path (the test image binds
        # the host's interpreter this way; production images carry their own).
        self.host_ro_dirs = [Path(p) for p in (host_ro_dirs or [])]
        if path_map is None:
            path_map = parse_path_map(os.environ.get("LB_DOCKER_PATH_MAP", ""))
            if not path_map and require_engine and in_container():
                path_map = self._detect_path_map()
        self.path_map = path_map

    @property
    def engine(self) -> list[str]:
        return [self.cli, *self.cli_args]

    def _detect_path_map(self) -> dict[str, str]:
        """How the engine sees this (worker) container's mounts; empty when it cannot say."""
        done = subprocess.run(
            [*self.engine, "inspect", "--format", "{{json .Mounts}}", socket.gethostname()],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            logger.warning(
                "docker sandbox: cannot inspect the worker's container (%s); bind mounts use "
                "worker paths as they are (set LB_DOCKER_PATH_MAP)",
                done.stderr.strip()[-300:],
            )
            return {}
        return path_map_from_mounts(json.loads(done.stdout or "[]"))

    def host_path(self, path: Path) -> str:
        text = str(Path(path).resolve())
        for inner, outer in sorted(self.path_map.items(), key=lambda kv: -len(kv[0])):
            if text == inner or text.startswith(inner.rstrip("/") + "/"):
                return outer + text[len(inner) :] if inner != "/" else outer.rstrip("/") + text
        return text

    def command(self, spec: RunSpec, container_name: str) -> list[str]:
        """The full ``docker run …`` command line for ``spec``."""
        limits = spec.resources
        view = {
            "python": self.python,
            "code": SANDBOX_CODE,
            "output": SANDBOX_OUTPUT,
            "dataset": SANDBOX_DATASET if spec.dataset_dir else "",
            "tmp": "/tmp",
        }
        argv, env = substitute_spec(spec, view)
        scratch_mb = min(limits.max_output_mb, limits.memory_mb)
        cmd = [
            *self.engine,
            "run",
            "--init",
            "--name",
            container_name,
            "--read-only",
            "--user",
            self.user,
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--network",
            "bridge" if spec.network else "none",
            "--memory",
            f"{limits.memory_mb}m",
            "--memory-swap",
            f"{limits.memory_mb}m",
            "--cpus",
            f"{limits.cpus:g}",
            "--pids-limit",
            str(limits.max_procs),
            "--ulimit",
            f"nproc={limits.max_procs}:{limits.max_procs}",
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            f"fsize={limits.max_output_mb * 2**20}",
            "--ulimit",
            "core=0",
            "--tmpfs",
            f"/tmp:rw,nosuid,nodev,size={scratch_mb}m,mode=1777",
            "--tmpfs",
            f"/dev/shm:rw,nosuid,nodev,size={scratch_mb}m,mode=1777",
            "--workdir",
            SANDBOX_CODE,
            "--mount",
            f"type=bind,source={self.host_path(spec.code_dir)},target={SANDBOX_CODE},readonly",
            "--mount",
            f"type=bind,source={self.host_path(spec.output_dir)},target={SANDBOX_OUTPUT}",
        ]
        if spec.dataset_dir is not None:
            cmd += ["--mount", f"type=bind,source={self.host_path(spec.dataset_dir)},target={SANDBOX_DATASET},readonly"]
        for extra in [*self.host_ro_dirs, *spec.extra_ro_dirs]:
            target = str(Path(extra).resolve())
            cmd += ["--mount", f"type=bind,source={self.host_path(Path(extra))},target={target},readonly"]
        for key, value in sorted(spec.labels.items()):  # which job and worker: see labelled_containers()
            cmd += ["--label", f"{key}={value}"]
        if spec.gpu_index is not None:
            cmd += ["--gpus", f"device={spec.gpu_index}"]
            env["CUDA_VISIBLE_DEVICES"] = "0"  # the only GPU the container sees
        for key, value in sorted(env.items()):
            cmd += ["--env", f"{key}={value}"]
        return cmd + [self.image, *argv]

    def run(
        self,
        spec: RunSpec,
        *,
        log: BinaryIO,
        should_cancel: Callable[[], bool] = lambda: False,
        on_tick: Callable[[], None] | None = None,
    ) -> RunOutcome:
        from .bubblewrap import _make_world_readable

        spec.output_dir.mkdir(parents=True, exist_ok=True)
        uid, _, gid = self.user.partition(":")
        if os.geteuid() == 0:
            os.chown(spec.output_dir, int(uid), int(gid or uid))
            _make_world_readable(spec.code_dir)
        with contextlib.ExitStack() as output:
            try:  # the output on a size- and inode-capped mount, bound in, copied out after the run
                capped = output.enter_context(capped_output(spec, int(uid), int(gid or uid)))
            except SandboxUnavailable as exc:
                return RunOutcome(kind="sandbox_error", exit_code=None, reason=str(exc), duration_s=0.0)
            return self._run(capped, log=log, should_cancel=should_cancel, on_tick=on_tick)

    def _run(
        self, spec: RunSpec, *, log: BinaryIO, should_cancel: Callable[[], bool], on_tick: Callable[[], None] | None
    ) -> RunOutcome:
        name = f"lb-sandbox-{uuid.uuid4().hex[:12]}"
        # The CLI's own working folder: on cgroup v1, podman's conmon drops its
        # "oom" marker there (and then reports OOMKilled false): read it too.
        with tempfile.TemporaryDirectory(prefix="lb-engine-") as engine_cwd:
            launch = Launch(
                argv=self.command(spec, name),
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                cwd=engine_cwd,
                kill_tree=lambda proc: self._kill(proc, name),
                oom_reported=lambda: self._oom_killed(name, Path(engine_cwd) / "oom"),
                setup_error=_setup_error,
            )
            try:
                return supervise(spec, launch, log=log, should_cancel=should_cancel, on_tick=on_tick)
            finally:
                # Only now, with the exit state read: --rm could lose OOMKilled.
                subprocess.run([*self.engine, "rm", "--force", name], capture_output=True, timeout=60)

    def _oom_killed(self, name: str, conmon_marker: Path) -> bool:
        """The engine's ``OOMKilled`` (or conmon's marker file); where the engine
        cannot report it at all, exit code 137 under a memory limit counts as out of memory."""
        if conmon_marker.exists():
            return True
        done = subprocess.run(
            [*self.engine, "inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", name],
            capture_output=True,
            text=True,
            timeout=60,
        )
        words = done.stdout.split()
        if done.returncode == 0 and len(words) == 2 and words[0] in ("true", "false"):
            return words[0] == "true"
        return (words[-1:] or [""])[0] == str(OOM_EXIT_CODE)

    def _kill(self, proc: subprocess.Popen, name: str) -> None:
        # The container lives in the engine, not under our process: kill it there.
        subprocess.run([*self.engine, "kill", name], capture_output=True, timeout=60)
        proc.kill()


@dataclass(frozen=True)
class LabelledContainer:
    id: str
    labels: dict[str, str]


class ContainerEngineError(RuntimeError):
    """The engine's CLI could not list containers."""


def labelled_containers(engine: list[str], label: str) -> list[LabelledContainer]:
    """Every container of ``engine`` (running or stopped) that carries ``label``, with its labels.

    A worker killed with SIGKILL takes the ``run`` client with it, not the container: the
    engine keeps running it. Its labels say whose it was (jobs/containers.py decides)."""
    listed = subprocess.run(
        [*engine, "ps", "--all", "--quiet", "--no-trunc", "--filter", f"label={label}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if listed.returncode != 0:
        raise ContainerEngineError(f"{shlex.join(engine)} ps: {listed.stderr.strip()[-300:]}")
    ids = listed.stdout.split()
    if not ids:
        return []
    # A container that ends between ps and inspect is missing from the answer (and the
    # exit status says so): what was printed is still right.
    inspected = subprocess.run(
        [*engine, "inspect", "--format", "{{.Id}} {{json .Config.Labels}}", *ids],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = []
    for line in inspected.stdout.splitlines():
        container_id, _, labels = line.partition(" ")
        try:
            parsed = json.loads(labels) or {}
        except json.JSONDecodeError:
            continue
        if container_id and isinstance(parsed, dict) and label in parsed:
            found.append(LabelledContainer(id=container_id, labels={str(k): str(v) for k, v in parsed.items()}))
    return found


def remove_containers(engine: list[str], ids: list[str]) -> None:
    """``rm --force``: kill (whatever still runs in them) and remove."""
    if ids:
        subprocess.run([*engine, "rm", "--force", *ids], capture_output=True, timeout=120)


def _setup_error(code: int, head: bytes) -> str | None:
    """``docker run`` / ``podman run`` exit 125 when the engine could not start the container."""
    if code == 125:
        return "the container engine could not start the sandbox: " + head.decode(errors="replace").strip()[-500:]
    return None
