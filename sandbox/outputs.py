"""Looking at what a submission left in its output folder, without trusting it.

The output folder is written by untrusted code. It may hold symlinks to host
files (``output/gt.json -> /srv/lb/hidden/gt.json``), hard links to files the
submission could see, FIFOs that block a reader forever, or millions of files.
Everything here uses ``lstat`` and never follows a link.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Literal

# A capped output mount with less than this free is full: the next write failed.
FULL_MARGIN_BYTES = 64 * 1024


def output_usage(
    output_dir: Path, *, stop_bytes: int | None = None, stop_entries: int | None = None
) -> tuple[int, int]:
    """``(bytes, entries)`` under ``output_dir``: the apparent size of its regular files, and how
    many files, folders and links it holds (each takes an inode). Links are not followed. The walk
    ends early past ``stop_bytes`` or ``stop_entries`` (the watcher only needs "too many")."""
    total = entries = 0
    stack = [str(output_dir)]
    while stack:
        try:
            listing = list(os.scandir(stack.pop()))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in listing:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we walked
            entries += 1
            if stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
            if (stop_bytes is not None and total > stop_bytes) or (stop_entries is not None and entries > stop_entries):
                return total, entries
    return total, entries


def output_verdict(output_dir: Path, max_bytes: int, max_files: int) -> Literal["bytes", "files"] | None:
    """Whether the output is over its byte limit or its file limit (files, folders and links).

    On a capped mount (``output_mount``) the kernel has already stopped the writer at the cap;
    a full file system (or inode table) counts as over, as the write that filled it failed."""
    output_dir = Path(output_dir)
    if os.path.ismount(output_dir):
        try:
            fs = os.statvfs(output_dir)
        except OSError:
            fs = None
        if fs is not None and fs.f_files and fs.f_favail == 0:
            return "files"
        if fs is not None and fs.f_bavail * fs.f_frsize < FULL_MARGIN_BYTES:
            return "bytes"
    total, entries = output_usage(output_dir, stop_bytes=max_bytes, stop_entries=max_files)
    if entries > max_files:
        return "files"
    if total > max_bytes:
        return "bytes"
    return None


def output_size_bytes(output_dir: Path, *, stop_above: int | None = None) -> int:
    """Total apparent size of the regular files under ``output_dir``.

    Symlinks count for nothing and are not followed. ``stop_above`` ends the
    walk early once the total passes it (the watcher only needs "too big").
    """
    total = 0
    stack = [str(output_dir)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we walked
            if stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
                if stop_above is not None and total > stop_above:
                    return total
    return total


def safe_output_files(output_dir: Path) -> list[Path]:
    """Regular files under ``output_dir`` that are safe to read or upload.

    Skipped: symlinks (to files or folders, never followed), FIFOs, sockets,
    devices, and regular files with more than one hard link (a hard link to a
    file the submission could read, e.g. a dataset file, would otherwise be
    uploaded as if it were output). Sorted, so callers get a stable order.
    """
    root = Path(output_dir)
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # os.walk lists symlinks-to-directories in dirnames but, with
        # followlinks=False, does not descend into them; check them as files.
        for name in filenames + dirnames:
            path = Path(dirpath, name)
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
                found.append(path)
    return sorted(found)
