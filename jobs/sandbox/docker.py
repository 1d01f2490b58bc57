"""The ``docker`` backend, for the compose deployment.

Same policy as bubblewrap, expressed as ``docker run`` flags: no network,
read-only root, an unprivileged user, no capabilities, tmpfs scratch, memory,
CPU and task limits from the resource class, and ``--gpus device=N`` for the
GPU the worker owns (enforced by the NVIDIA runtime, unlike
``CUDA_VISIBLE_DEVICES`` alone). There is no Docker engine in the dev
container, so only the command line is unit-tested; the compose deployment
exercises it for real.

When the worker itself runs in a container and talks to the host's engine
through its socket, bind-mount sources must be *host* paths: pass
``path_map={"/data": "/srv/leaderboard/data"}`` (worker path prefix → host
path prefix), e.g. from ``LB_DOCKER_PATH_MAP=/data=/srv/leaderboard/data``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import BinaryIO, Callable

from .base import RunOutcome, RunSpec, SandboxUnavailable, substitute_spec
from .supervise import Launch, supervise

SANDBOX_CODE = "/sandbox/code"
SANDBOX_OUTPUT = "/sandbox/output"
SANDBOX_DATASET = "/sandbox/dataset"


def parse_path_map(text: str) -> dict[str, str]:
    """``"/data=/srv/lb/data,/app=/srv/lb/app"`` → ``{"/data": "/srv/lb/data", …}``."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {inner.rstrip("/"): outer.rstrip("/") for inner, outer in pairs}


class DockerSandbox:
    name = "docker"

    def __init__(self, *, image: str | None = None, python: str = "python", user: str = "65534:65534",
                 docker: str = "docker", path_map: dict[str, str] | None = None,
                 require_engine: bool = True) -> None:
        self.image = image or os.environ.get("LB_SANDBOX_IMAGE", "")
        if not self.image:
            raise SandboxUnavailable("the docker sandbox needs an image (LB_SANDBOX_IMAGE)")
        self.docker = docker
        if require_engine and shutil.which(docker) is None:
            raise SandboxUnavailable(f"{docker!r} is not installed")
        self.python = python
        self.user = user
        self.path_map = path_map if path_map is not None else parse_path_map(
            os.environ.get("LB_DOCKER_PATH_MAP", ""))

    def host_path(self, path: Path) -> str:
        text = str(Path(path).resolve())
        for inner, outer in sorted(self.path_map.items(), key=lambda kv: -len(kv[0])):
            if text == inner or text.startswith(inner + "/"):
                return outer + text[len(inner):]
        return text

    def command(self, spec: RunSpec, container_name: str) -> list[str]:
        """The full ``docker run …`` command line for ``spec``."""
        limits = spec.resources
        view = {"python": self.python, "code": SANDBOX_CODE, "output": SANDBOX_OUTPUT,
                "dataset": SANDBOX_DATASET if spec.dataset_dir else "", "tmp": "/tmp"}
        argv, env = substitute_spec(spec, view)
        scratch_mb = min(limits.max_output_mb, limits.memory_mb)
        cmd = [self.docker, "run", "--rm", "--init", "--name", container_name,
               "--read-only", "--user", self.user, "--cap-drop", "ALL",
               "--security-opt", "no-new-privileges",
               "--network", "bridge" if spec.network else "none",
               "--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m",
               "--cpus", f"{limits.cpus:g}", "--pids-limit", str(limits.max_procs),
               "--ulimit", f"fsize={limits.max_output_mb * 2**20}", "--ulimit", "core=0",
               "--tmpfs", f"/tmp:rw,nosuid,nodev,size={scratch_mb}m,mode=1777",
               "--tmpfs", f"/dev/shm:rw,nosuid,nodev,size={scratch_mb}m,mode=1777",
               "--workdir", SANDBOX_CODE,
               "--mount", f"type=bind,source={self.host_path(spec.code_dir)},target={SANDBOX_CODE},readonly",
               "--mount", f"type=bind,source={self.host_path(spec.output_dir)},target={SANDBOX_OUTPUT}"]
        if spec.dataset_dir is not None:
            cmd += ["--mount", f"type=bind,source={self.host_path(spec.dataset_dir)},"
                               f"target={SANDBOX_DATASET},readonly"]
        for extra in spec.extra_ro_dirs:
            target = str(Path(extra).resolve())
            cmd += ["--mount", f"type=bind,source={self.host_path(Path(extra))},target={target},readonly"]
        if spec.gpu_index is not None:
            cmd += ["--gpus", f"device={spec.gpu_index}"]
            env["CUDA_VISIBLE_DEVICES"] = "0"  # the only GPU the container sees
        for key, value in sorted(env.items()):
            cmd += ["--env", f"{key}={value}"]
        return cmd + [self.image, *argv]

    def run(self, spec: RunSpec, *, log: BinaryIO, should_cancel: Callable[[], bool] = lambda: False,
            on_tick: Callable[[], None] | None = None) -> RunOutcome:
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        uid, _, gid = self.user.partition(":")
        if os.geteuid() == 0:
            os.chown(spec.output_dir, int(uid), int(gid or uid))
        name = f"lb-sandbox-{uuid.uuid4().hex[:12]}"
        launch = Launch(argv=self.command(spec, name), env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                        kill_tree=lambda proc: self._kill(proc, name),
                        setup_error=_docker_setup_error)
        return supervise(spec, launch, log=log, should_cancel=should_cancel, on_tick=on_tick)

    def _kill(self, proc: subprocess.Popen, name: str) -> None:
        # The container lives in the engine, not under our process: kill it there.
        subprocess.run([self.docker, "kill", name], capture_output=True, timeout=30)
        proc.kill()


def _docker_setup_error(code: int, head: bytes) -> str | None:
    """``docker run`` exits 125 when the engine could not start the container."""
    if code == 125:
        return "docker could not start the sandbox: " + head.decode(errors="replace").strip()[-500:]
    return None
