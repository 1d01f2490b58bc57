"""The ``bubblewrap`` backend: namespaces, a whitelisted read-only file system, limits.

The sandbox's file system is built from nothing (bwrap's empty tmpfs root)
and holds only what a Python run needs, all read-only:

* ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links), ``/etc``, ``/sys``;
  a fresh ``/proc`` and a minimal ``/dev``;
* the platform interpreter and venv (``sys.base_prefix``, ``sys.prefix``) and
  the project root at their host paths, so ``import benchmarks.maze`` works,
  with the project's secrets and data (``.env``, ``var``, ``.git``,
  ``LB_DATA_DIR``) covered by empty tmpfs / ``/dev/null``;
* ``extra_ro_dirs`` (the submission's dependency layer) at their host paths;
* ``/sandbox/code`` (the submission, the working directory) and
  ``/sandbox/dataset`` read-only, ``/sandbox/output`` writable;
* a private, size-capped tmpfs on ``/tmp`` and ``/dev/shm``.

Nothing else of the host exists inside: not other submissions or jobs, not
the hidden ground truth, not ``/run`` (database and Docker sockets), ``/home``,
``/root`` or ``/var``.

Identity: when the worker runs as root, bwrap sets up the mounts as root
without a user namespace and the command then drops to ``LB_SANDBOX_UID``
(``setpriv``, all capabilities and the bounding set cleared), a real
unprivileged uid on the host. A user namespace mapping the sandbox to root
would let it read root-owned ``0600`` files it can see. When the worker is
not root, bwrap uses an unprivileged user namespace (``--unshare-user``) and
forbids nested ones (``--disable-userns``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .base import RunOutcome, RunSpec, SandboxUnavailable, substitute_spec
from .limits import JobCgroup, create_job_cgroup, rlimit_argv
from .output_mount import capped_output
from .supervise import Launch, kill_group, supervise

SANDBOX_CODE = "/sandbox/code"
SANDBOX_OUTPUT = "/sandbox/output"
SANDBOX_DATASET = "/sandbox/dataset"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEFAULT_SANDBOX_UID = 65534  # "nobody": exists in every Debian/Ubuntu /etc/passwd
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_SECRETS = (".env", "var", ".git")


class BubblewrapSandbox:
    name = "bubblewrap"

    def __init__(
        self,
        *,
        python: str | None = None,
        project_root: Path | None = PROJECT_ROOT,
        hidden_paths: list[Path] | None = None,
        sandbox_uid: int | None = None,
    ) -> None:
        self.bwrap = shutil.which("bwrap")
        if self.bwrap is None:
            raise SandboxUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
        if shutil.which("prlimit") is None:
            raise SandboxUnavailable("prlimit (util-linux) is not installed")
        self.python = python or sys.executable
        self.project_root = project_root
        self.hidden_paths = list(hidden_paths) if hidden_paths is not None else default_hidden_paths(project_root)
        self.privileged = os.geteuid() == 0
        self.sandbox_uid = (
            sandbox_uid if sandbox_uid is not None else int(os.environ.get("LB_SANDBOX_UID", DEFAULT_SANDBOX_UID))
        )
        if self.privileged and shutil.which("setpriv") is None:
            raise SandboxUnavailable("setpriv (util-linux) is needed to drop root in the sandbox")

    def run(
        self,
        spec: RunSpec,
        *,
        log: BinaryIO,
        should_cancel: Callable[[], bool] = lambda: False,
        on_tick: Callable[[], None] | None = None,
    ) -> RunOutcome:
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        if self.privileged:
            os.chown(spec.output_dir, self.sandbox_uid, self.sandbox_uid)
            _make_world_readable(spec.code_dir)
        with contextlib.ExitStack() as output:
            try:  # the output on a size- and inode-capped mount, copied out after the run
                capped = output.enter_context(capped_output(spec, self.sandbox_uid, self.sandbox_uid))
            except SandboxUnavailable as exc:
                return RunOutcome(kind="sandbox_error", exit_code=None, reason=str(exc), duration_s=0.0)
            return self._run(capped, log=log, should_cancel=should_cancel, on_tick=on_tick)

    def _run(
        self, spec: RunSpec, *, log: BinaryIO, should_cancel: Callable[[], bool], on_tick: Callable[[], None] | None
    ) -> RunOutcome:
        view = {
            "python": self.python,
            "code": SANDBOX_CODE,
            "output": SANDBOX_OUTPUT,
            "dataset": SANDBOX_DATASET if spec.dataset_dir else "",
            "tmp": "/tmp",
        }
        argv, env = substitute_spec(spec, view)
        if spec.gpu_index is not None:
            env["CUDA_VISIBLE_DEVICES"] = str(spec.gpu_index)
        cgroup = create_job_cgroup(spec.resources)
        inner = self._identity_argv() + rlimit_argv(spec.resources, memory=cgroup is None) + argv
        command = [self.bwrap, *self.bwrap_args(spec), "--", *inner]
        if cgroup is not None:
            command = cgroup.join_argv() + command
        launch = Launch(
            argv=command,
            env=env,
            kill_tree=_tree_killer(cgroup),
            oom_reported=cgroup.oom_killed if cgroup else (lambda: False),
            setup_error=_setup_error,
        )
        try:
            outcome = supervise(spec, launch, log=log, should_cancel=should_cancel, on_tick=on_tick)
        finally:
            if cgroup is not None:
                cgroup.remove_later()
        return outcome

    def _identity_argv(self) -> list[str]:
        if not self.privileged:
            return []
        uid = str(self.sandbox_uid)
        return [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]

    def bwrap_args(self, spec: RunSpec) -> list[str]:
        """Everything between ``bwrap`` and ``--``: namespaces, then the mount plan."""
        args = [
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
        ]
        if not spec.network:
            args.append("--unshare-net")
        if self.privileged:
            # Kept only long enough for setpriv to switch to the sandbox uid.
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += [
                "--unshare-user",
                "--uid",
                str(self.sandbox_uid),
                "--gid",
                str(self.sandbox_uid),
                "--disable-userns",
            ]
        return args + self._mounts(spec) + ["--chdir", SANDBOX_CODE]

    def _mounts(self, spec: RunSpec) -> list[str]:
        plan = _MountPlan()
        for system_dir in SYSTEM_DIRS:
            plan.system(system_dir)
        scratch = str(min(spec.resources.max_output_mb, spec.resources.memory_mb) * 2**20)
        plan.args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--size",
            scratch,
            "--tmpfs",
            "/tmp",
            "--perms",
            "1777",
            "--size",
            scratch,
            "--tmpfs",
            "/dev/shm",
        ]
        platform = {Path(sys.base_prefix), Path(sys.prefix), Path(os.path.realpath(self.python)).parent.parent}
        if self.project_root is not None:
            platform.add(self.project_root)
        for path in sorted(platform):
            plan.ro_bind(Path(path).resolve())
        for hidden in self.hidden_paths:
            plan.hide(Path(hidden))
        # After the covers: the dependency layer usually lives in LB_DATA_DIR.
        for path in spec.extra_ro_dirs:
            plan.ro_bind(Path(path).resolve())
        plan.ro_bind(spec.code_dir.resolve(), SANDBOX_CODE)
        plan.bind(spec.output_dir.resolve(), SANDBOX_OUTPUT)
        if spec.dataset_dir is not None:
            plan.ro_bind(spec.dataset_dir.resolve(), SANDBOX_DATASET)
        if spec.gpu_index is not None:
            # All NVIDIA nodes: CUDA enumerates through nvidiactl; the choice of
            # GPU is CUDA_VISIBLE_DEVICES (advisory here, enforced under docker).
            for node in sorted(glob.glob("/dev/nvidia*")):
                plan.args += ["--dev-bind", node, node]
        # bwrap's own root tmpfs (holding /sandbox and the mount points) is
        # writable by the sandbox user in a user namespace: make it read-only.
        plan.args += ["--remount-ro", "/"]
        return plan.args


class _MountPlan:
    """bwrap mount arguments, creating parents world-traversable (bwrap would copy
    the host modes, and e.g. a 0700 /root would lock the sandbox uid out)."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self.made: set[str] = {"/"}
        self.bound: list[str] = []
        self.covered_by_tmpfs: list[str] = []

    def _covered(self, dest: str) -> bool:
        """Visible inside through an enclosing bind (and not under a hiding tmpfs)."""
        if any(_under(dest, hidden) and dest != hidden for hidden in self.covered_by_tmpfs):
            return False
        return any(_under(dest, bound) for bound in self.bound)

    def _parents(self, dest: str) -> None:
        for parent in reversed(Path(dest).parents):
            text = str(parent)
            if text not in self.made and not self._covered(text):
                self.args += ["--perms", "0755", "--dir", text]
                self.made.add(text)

    def system(self, path: str) -> None:
        if os.path.islink(path):
            self.args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            self.ro_bind(Path(path))

    def ro_bind(self, source: Path, dest: str | None = None) -> None:
        self._add("--ro-bind", source, dest)

    def bind(self, source: Path, dest: str) -> None:
        self._add("--bind", source, dest)

    def _add(self, flag: str, source: Path, dest: str | None) -> None:
        target = dest or str(source)
        if dest is None and self._covered(target):
            return  # already visible through an enclosing bind
        self._parents(target)
        self.args += [flag, str(source), target]
        self.bound.append(target)
        self.made.add(target)

    def hide(self, path: Path) -> None:
        """Cover a file or folder that lies inside something already bound."""
        text = str(path.resolve())
        if not self._covered(text) or not os.path.lexists(text):
            return
        if os.path.isdir(text) and not os.path.islink(text):
            self.args += ["--tmpfs", text]
            self.covered_by_tmpfs.append(text)
            self.made.add(text)
        else:
            self.args += ["--ro-bind", "/dev/null", text]


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _make_world_readable(folder: Path) -> None:
    """Let the sandbox uid read the run's own copy of the submission (a 0700
    temporary folder or a 0600 file from an archive would lock it out)."""
    for dirpath, _dirnames, filenames in os.walk(folder):
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o555)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)


def default_hidden_paths(project_root: Path | None) -> list[Path]:
    """The project's secrets and data, and ``LB_DATA_DIR`` wherever it lies."""
    hidden = [project_root / name for name in PROJECT_SECRETS] if project_root else []
    if os.environ.get("LB_DATA_DIR"):
        hidden.append(Path(os.environ["LB_DATA_DIR"]))
    return hidden


def _tree_killer(cgroup: JobCgroup | None) -> Callable:
    def kill(proc) -> None:
        # Killing bwrap's process group kills bwrap; --die-with-parent then
        # kills the namespace's init, and the kernel every process in the PID
        # namespace with it. The cgroup kill is a second, independent net.
        kill_group(proc)
        if cgroup is not None:
            cgroup.kill_all()

    return kill


def _setup_error(code: int, head: bytes) -> str | None:
    """bwrap exits 1 with a single "bwrap: …" line when it cannot build the sandbox."""
    lines = head.strip().splitlines()
    if code == 1 and len(lines) == 1 and lines[0].startswith(b"bwrap: "):
        return lines[0].decode(errors="replace")
    return None
