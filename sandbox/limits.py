"""Resource limits: cgroups when the host lets us create them, rlimits always.

cgroups (v2, or v1 where only v1 is mounted, as in this project's dev
container) bound the *whole* process tree: memory (with OOM events we can
read back), number of tasks and CPU time share. rlimits are per process and
are the fallback: RLIMIT_DATA for memory (unlike RLIMIT_AS it does not count
the huge PROT_NONE reservations of CUDA and allocators), RLIMIT_NPROC for
tasks, RLIMIT_FSIZE for the largest file. RLIMIT_FSIZE and RLIMIT_CORE are
always applied: they cost nothing and stop a single huge file at once.

Set ``LB_SANDBOX_CGROUP`` to a cgroup directory delegated to the worker (e.g.
``/sys/fs/cgroup/lb-worker``) to choose where job cgroups go, or to ``off``
to use rlimits only.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .base import ResourceClass

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu")


def rlimit_argv(resources: ResourceClass, *, memory: bool) -> list[str]:
    """``prlimit … --`` prefix applying the per-process limits (hard = soft)."""
    fsize = resources.max_output_mb * 2**20
    args = ["prlimit", f"--nproc={resources.max_procs}", f"--fsize={fsize}", "--core=0"]
    if memory:
        args.append(f"--data={resources.memory_mb * 2**20}")
    return args + ["--"]


@dataclass
class JobCgroup:
    """The cgroup(s) of one run: one directory on v2, one per controller on v1."""

    version: int
    dirs: dict[str, Path] = field(default_factory=dict)  # controller ("all" on v2) → directory

    def join_argv(self) -> list[str]:
        """A ``sh -c`` prefix that moves itself into the cgroup(s), then execs the rest.

        Joining before the exec (rather than moving the pid afterwards) leaves
        no window in which the sandboxed process runs unconfined."""
        moves = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.dirs.values())
        return ["/bin/sh", "-c", f'{moves} && exec "$@"', "lb-cgroup-join"]

    def _file(self, controller: str, name: str) -> Path:
        return self.dirs["all" if self.version == 2 else controller] / name

    def oom_killed(self) -> bool:
        try:
            if self.version == 2:
                text = self._file("memory", "memory.events").read_text()
            else:
                text = self._file("memory", "memory.oom_control").read_text()
        except OSError:
            return False
        counters = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        if "oom_kill" in counters:
            return int(counters["oom_kill"]) > 0
        return int(counters.get("oom", 0)) > 0

    def kill_all(self) -> None:
        if self.version == 2 and self._file("all", "cgroup.kill").exists():
            _write(self._file("all", "cgroup.kill"), "1")
            return
        for _ in range(50):  # v1: no atomic kill; repeat until a fork cannot race us
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def pids(self) -> list[int]:
        procs = set()
        for directory in self.dirs.values():
            try:
                procs.update(int(p) for p in (directory / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(procs)

    def remove(self) -> None:
        for directory in self.dirs.values():
            for _ in range(200):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy for a few ms after the last task exits
                    self.kill_all()
                    time.sleep(0.01)

    def remove_later(self) -> None:
        """Remove in the background: the kernel keeps an emptied cgroup busy for
        tens of milliseconds, and nobody needs to wait for that."""
        threading.Thread(target=self.remove, name="cgroup-remove", daemon=True).start()


def create_job_cgroup(resources: ResourceClass) -> JobCgroup | None:
    """A fresh cgroup with the class's limits, or ``None`` when cgroups are not usable here."""
    setting = os.environ.get("LB_SANDBOX_CGROUP", "")
    if setting == "off":
        return None
    name = f"lb-sandbox-{uuid.uuid4().hex[:12]}"
    try:
        if (CGROUP_ROOT / "cgroup.controllers").exists() or setting:
            return _create_v2(Path(setting) if setting else _own_v2_cgroup(), name, resources)
        return _create_v1(name, resources)
    except OSError:
        return None


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _own_v2_cgroup() -> Path:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return CGROUP_ROOT / line[3:].lstrip("/")
    raise OSError("no cgroup v2 entry in /proc/self/cgroup")


def _create_v2(parent: Path, name: str, resources: ResourceClass) -> JobCgroup | None:
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    for controller in ("memory", "pids", "cpu"):
        if controller not in enabled:
            try:
                _write(parent / "cgroup.subtree_control", f"+{controller}")
            except OSError:
                pass  # e.g. parent has processes and is not the root: see module doc
    job = parent / name
    job.mkdir()
    cgroup = JobCgroup(version=2, dirs={"all": job})
    if not (job / "memory.max").exists() or not (job / "pids.max").exists():
        cgroup.remove()
        return None
    _write(job / "memory.max", str(resources.memory_mb * 2**20))
    if (job / "memory.swap.max").exists():
        _write(job / "memory.swap.max", "0")
    _write(job / "pids.max", str(resources.max_procs))
    if (job / "cpu.max").exists():
        _write(job / "cpu.max", f"{int(resources.cpus * 100_000)} 100000")
    return cgroup


def _v1_parents() -> dict[str, Path]:
    """controller → this process's cgroup directory in that v1 hierarchy."""
    mounts: dict[str, Path] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype, _source, options = (right.split() + ["", "", ""])[:3]
        if fstype != "cgroup":
            continue
        for controller in V1_CONTROLLERS:
            if controller in options.split(","):
                mounts[controller] = Path(left.split()[4])
    parents = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _hier, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller in mounts:
                parents[controller] = mounts[controller] / path.lstrip("/")
    return parents


def _create_v1(name: str, resources: ResourceClass) -> JobCgroup | None:
    parents = _v1_parents()
    if "memory" not in parents or "pids" not in parents:
        return None
    cgroup = JobCgroup(version=1)
    try:
        for controller, parent in parents.items():
            (parent / name).mkdir()
            cgroup.dirs[controller] = parent / name
        memory = cgroup.dirs["memory"]
        _write(memory / "memory.limit_in_bytes", str(resources.memory_mb * 2**20))
        try:  # forbid swap too, where swap accounting is on
            _write(memory / "memory.memsw.limit_in_bytes", str(resources.memory_mb * 2**20))
        except OSError:
            pass
        _write(cgroup.dirs["pids"] / "pids.max", str(resources.max_procs))
        if "cpu" in cgroup.dirs:
            _write(cgroup.dirs["cpu"] / "cpu.cfs_period_us", "100000")
            _write(cgroup.dirs["cpu"] / "cpu.cfs_quota_us", str(int(resources.cpus * 100_000)))
    except OSError:
        cgroup.remove()
        raise
    return cgroup
