"""A hard cap on a run's output: a size- and inode-limited file system, copied out after the run.

Polling the output folder (``supervise``) notices a flood a second late, and a
second of ``write()`` on a fast disk is gigabytes (a 1 GiB limit let the data
dir grow by 1.4–3.0 GiB under podman). So when the worker is root, each run's
output is a fresh ext4 file system in a sparse image file (``mkfs.ext4``,
``mount -o loop``) no larger than the limit plus metadata, with an inode table
sized to the file limit: the kernel answers ``ENOSPC`` at the cap, whatever the
backend. Both backends bind this mount where they bound the output folder.

Why a loop image and not a tmpfs: tmpfs pages are charged to the writer's
memory cgroup, so output would eat the run's memory limit (and the dependency
install's 8 GiB prefix would not fit its 4 GiB at all). The image lives outside
``LB_DATA_DIR`` (``LB_SANDBOX_OUTPUT_MOUNT_DIR``, default the system temporary
folder) and is deleted after the run.

After the run the output is copied into the job's output folder by
:func:`copy_out`, which never follows a link the sandbox wrote: regular files
with one link are copied (opened ``O_NOFOLLOW``, checked by ``fstat``), symlinks
are recreated as links (their target text, never resolved: readers use
``safe_output_files``), folders are made, and FIFOs, devices, sockets and
hard-linked files are left behind. The copy stops at the byte and file limits.

``LB_SANDBOX_OUTPUT_CAP``: ``auto`` (default: the capped mount when the worker
is root, else the polled limit alone, as an unprivileged worker cannot mount)
or ``off``. When root cannot mount (no loop device), the run fails as a
platform error rather than run without its cap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .base import RunSpec, SandboxUnavailable

logger = logging.getLogger(__name__)
# ext4's reserved inodes (1–10, 11 is lost+found, removed) and the root folder.
RESERVED_INODES = 12
INODE_BYTES = 256


def enabled() -> bool:
    mode = os.environ.get("LB_SANDBOX_OUTPUT_CAP", "auto").strip().lower()
    return mode != "off" and os.geteuid() == 0


def image_bytes(max_bytes: int, max_files: int) -> int:
    """The image's size: the limit, the inode table, and ext4's bitmaps and descriptors (under 1/32 + 4 MiB)."""
    return max_bytes + (max_files + RESERVED_INODES) * INODE_BYTES + max_bytes // 32 + 4 * 2**20


@contextlib.contextmanager
def capped_output(spec: RunSpec, uid: int, gid: int) -> Iterator[RunSpec]:
    """``spec`` with its output folder on a capped mount owned by ``uid:gid``; the output
    copied into ``spec.output_dir`` afterwards. Without the cap (see :func:`enabled`), ``spec`` itself."""
    if not enabled():
        yield spec
        return
    limits = spec.resources
    max_bytes, max_files = limits.max_output_mb * 2**20, limits.max_output_files
    base = os.environ.get("LB_SANDBOX_OUTPUT_MOUNT_DIR") or tempfile.gettempdir()
    sweep_stale(Path(base))
    work = Path(tempfile.mkdtemp(prefix="lb-output-", dir=base))
    (work / "owner").write_text(_process_identity(os.getpid()) or "")
    image, mount_point = work / "output.img", work / "output"
    mount_point.mkdir()
    mounted = False
    try:
        with open(image, "wb") as handle:
            handle.truncate(image_bytes(max_bytes, max_files))
        _run(
            [
                "mkfs.ext4",
                "-q",
                "-F",
                "-m",
                "0",
                "-O",
                "^has_journal,^resize_inode",
                "-N",
                str(max_files + RESERVED_INODES),
                "-E",
                f"root_owner={uid}:{gid},lazy_itable_init=1",
                str(image),
            ]
        )
        _run(["mount", "-t", "ext4", "-o", "loop,nosuid,nodev", str(image), str(mount_point)])
        mounted = True
        os.rmdir(mount_point / "lost+found")
        os.chmod(mount_point, 0o700)
        yield dataclasses.replace(spec, output_dir=mount_point)
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        copy_out(mount_point, spec.output_dir, max_bytes=max_bytes, max_files=max_files)
    finally:
        if mounted:
            _unmount(mount_point)
        shutil.rmtree(work, ignore_errors=True)


def _process_identity(pid: int) -> str | None:
    """``"PID STARTTIME"``: a pid alone could be reused by another process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{pid} {fields[19]}"  # field 22 of stat: the start time, counted after the command name


def sweep_stale(base: Path) -> None:
    """Unmount and delete the capped outputs of workers that died mid-run (killed, the machine's
    OOM killer): each would hold a loop device (a host has few) and its image's disk."""
    for work in base.glob("lb-output-*"):
        try:
            owner = (work / "owner").read_text().split()
        except OSError:
            continue  # being made right now, or not ours
        if len(owner) != 2 or _process_identity(int(owner[0])) == " ".join(owner):
            continue  # its worker is alive: a run in progress
        if os.path.ismount(work / "output"):
            _unmount(work / "output")
        if not os.path.ismount(work / "output"):
            shutil.rmtree(work, ignore_errors=True)


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SandboxUnavailable(
            f"cannot make the run's capped output folder: {' '.join(argv[:2])}: "
            f"{(done.stderr or done.stdout).strip()[-300:]}"
        )


def _unmount(mount_point: Path) -> None:
    """Unmount, waiting a little for an engine slow to let go, then detach it lazily."""
    for _ in range(20):
        done = subprocess.run(["umount", str(mount_point)], capture_output=True, text=True, timeout=120)
        if done.returncode == 0 or not os.path.ismount(mount_point):
            return
        time.sleep(0.25)
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=120)
    if os.path.ismount(mount_point):
        logger.error("cannot unmount the run's output mount %s: %s", mount_point, done.stderr.strip())


def copy_out(source: Path, target: Path, *, max_bytes: int, max_files: int) -> None:
    """Copy what the sandbox left in ``source`` into ``target``, following no link, within the limits."""
    budget_bytes, budget_files = max_bytes, max_files
    stack = [(str(source), str(target))]
    while stack:
        src_dir, dst_dir = stack.pop()
        try:
            entries = sorted(os.scandir(src_dir), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if budget_files <= 0:
                return
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            dst = os.path.join(dst_dir, entry.name)
            if os.path.lexists(dst):
                continue  # the job folder already had it (a retried run): keep what is there
            if stat.S_ISDIR(st.st_mode):
                os.mkdir(dst, 0o755)
                stack.append((entry.path, dst))
            elif stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(entry.path), dst)  # the link, not what it names
            elif stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and st.st_size <= budget_bytes:
                budget_bytes -= _copy_file(entry.path, dst, st.st_size, st.st_mode & 0o755 | 0o600)
            else:
                continue  # FIFOs, devices, sockets, hard links, what does not fit
            budget_files -= 1


def _copy_file(source: str, target: str, size: int, mode: int) -> int:
    """Copy one regular file opened without following links; the bytes copied (at most ``size``)."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return 0
    copied = 0
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        with os.fdopen(out, "wb") as writer:
            while copied < size and (block := reader.read(min(2**20, size - copied))):
                writer.write(block)
                copied += len(block)
    return copied
