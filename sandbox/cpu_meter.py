"""CPU seconds of a run's whole process tree, read from the host's ``/proc`` once a tick.

``wait4``'s rusage covers only what the process we started reaped; bubblewrap's monitor exits on its
init's report without reaping the sandboxed tree, so it sees next to nothing. The kernel's per-process
counters do: a process's ``utime + stime`` plus ``cutime + cstime`` (the children it reaped) summed over
the live tree is what the tree has used so far (a dead child counts once, in its parent that reaped
it). Sampled, so the last tick's worth before the exit can be missed; the floor is the rusage.

The numbers are the kernel's; the only text a submission controls in ``stat`` is its ``comm`` (in
parentheses, possibly holding spaces or ``)``), so fields are read after the last ``)``.
"""

from __future__ import annotations

import os

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> tuple[int, float] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read(4096)
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()
    try:  # after comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
        ppid = int(fields[1])
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    except (IndexError, ValueError):
        return None
    return ppid, ticks / _CLOCK_TICKS


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds used so far by ``root_pid`` and its descendants (0.0 where /proc is unreadable)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return 0.0
    for name in pids:
        stat = _stat(name)
        if stat is None:
            continue
        pid = int(name)
        cpu[pid] = stat[1]
        children.setdefault(stat[0], []).append(pid)
    total, todo, seen = 0.0, [root_pid], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


class CpuMeter:
    """The largest tree total seen: call ``sample()`` each tick while the run lives."""

    def __init__(self, root_pid: int):
        self.root_pid = root_pid
        self.peak = 0.0

    def sample(self) -> None:
        self.peak = max(self.peak, tree_cpu_s(self.root_pid))
