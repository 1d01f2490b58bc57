"""The dependency-layer cache: keys, validation of what a sandboxed install left, LRU eviction.

A layer is ``cache_root/<key>/`` (a ``pip install --prefix`` tree made in the
sandbox) and its marker ``cache_root/<key>.complete`` *beside* it, written by
the worker with ``O_CREAT|O_EXCL|O_NOFOLLOW``: nothing the install wrote can
stand in for the marker or redirect the write. The marker holds the layer's
size and its modification time is the layer's last use (touched on each hit),
which orders the least-recently-used eviction.

Everything inside a layer was written by submission-controlled code (a
package's build backend), so before a layer is used it is walked without
following links: a symlink must resolve inside the layer, and devices,
FIFOs, sockets and hard-linked files are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sysconfig
import time
from pathlib import Path

MARKER_SUFFIX = ".complete"
STALE_WORK_S = 24 * 3600  # leftover .work-/.staging- folders of a crashed worker


class LayerRefused(Exception):
    """The install left something a layer must not hold (the submission's fault)."""


def layer_key(*, owner_key: str, requirements: str, constraints: str, source_builds: bool) -> str:
    """One layer per owner and requirement set: another owner's identical file never
    runs the files this owner's install left behind. The platform's pins are part of
    the key, so upgrading the platform does not reuse layers built against the old one."""
    material = "\0".join(["v2", owner_key, requirements, constraints, "sdist" if source_builds else "wheel"])
    return hashlib.sha256(material.encode()).hexdigest()


def marker_path(cache_root: Path, key: str) -> Path:
    return Path(cache_root) / f"{key}{MARKER_SUFFIX}"


def is_complete(cache_root: Path, key: str) -> bool:
    """Both the marker (a regular file) and the layer (a real folder) are there."""
    try:
        marker = os.lstat(marker_path(cache_root, key))
        layer = os.lstat(Path(cache_root) / key)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(marker.st_mode) and stat.S_ISDIR(layer.st_mode)


def write_marker(cache_root: Path, key: str, size_bytes: int) -> bool:
    """Create the marker; False when one exists already (a concurrent install won)."""
    try:
        fd = os.open(marker_path(cache_root, key), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as marker:
        json.dump({"bytes": size_bytes, "created": time.time()}, marker)
    return True


def touch(cache_root: Path, key: str) -> None:
    """Record a use: the marker's mtime is the layer's last use."""
    os.utime(marker_path(cache_root, key), follow_symlinks=False)


def validate_layer(root: Path) -> int:
    """Refuse a layer holding anything but folders, regular files and symlinks that
    stay inside it; normalise what remains (owned by the worker, no setuid, no
    group/other write). Returns the layer's size on disk in bytes."""
    root_text = os.path.abspath(root)
    root_real = os.path.realpath(root_text)
    if not stat.S_ISDIR(os.lstat(root_text).st_mode):
        raise LayerRefused("the install's output is not a folder")
    owner = (os.getuid(), os.getgid()) if os.geteuid() == 0 else None
    total = 0
    _normalise(root_text, os.lstat(root_text), owner)
    for dirpath, dirnames, filenames in os.walk(root_text, followlinks=False, onerror=_unreadable):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            shown = os.path.relpath(path, root_text)
            if stat.S_ISLNK(info.st_mode):
                _check_link(path, shown, dirpath, root_text, root_real)
            elif stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
                if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                    raise LayerRefused(f"the install left a hard-linked file: {shown}")
                _normalise(path, info, owner)
                total += info.st_blocks * 512
            else:
                raise LayerRefused(f"the install left a device, FIFO or socket: {shown}")
    return total


def _unreadable(error: OSError) -> None:
    raise LayerRefused(f"the install left a folder the worker cannot read: {error.filename}")


def _check_link(path: str, shown: str, dirpath: str, root: str, root_real: str) -> None:
    target = os.readlink(path)
    lexical = os.path.normpath(os.path.join(dirpath, target))
    if os.path.isabs(target) or not _under(lexical, root) or not _under(os.path.realpath(path), root_real):
        raise LayerRefused(f"the install left a symlink pointing outside its folder: {shown} -> {target}")


def _normalise(path: str, info: os.stat_result, owner: tuple[int, int] | None) -> None:
    if owner is not None and (info.st_uid, info.st_gid) != owner:
        os.lchown(path, *owner)  # the sandbox uid must not own (and so modify) a shared layer
    mode = 0o755 if stat.S_ISDIR(info.st_mode) else (0o755 if info.st_mode & 0o111 else 0o644)
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)  # a folder or regular file (checked by lstat): no link is followed


def mountable_site_packages(cache_root: Path, key: str) -> Path | None:
    """The layer's ``site-packages``, checked right before it is handed to a run: the
    layer's realpath lies in the cache root, and every folder from the layer down
    is a real folder (lstat), not a link. ``None`` when the install installed nothing."""
    root_real = os.path.realpath(cache_root)
    layer = os.path.join(root_real, key)
    if os.path.realpath(layer) != layer or not stat.S_ISDIR(os.lstat(layer).st_mode):
        raise LayerRefused("the dependency layer is not a folder inside the cache")
    purelib = Path(site_packages(Path(layer)))
    current = Path(layer)
    for part in purelib.relative_to(layer).parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(info.st_mode):
            raise LayerRefused(f"{current.relative_to(layer)} in the dependency layer is not a folder")
    return purelib


def site_packages(prefix: Path) -> Path:
    """Where ``pip install --prefix PREFIX`` puts pure-Python packages for this interpreter."""
    return Path(sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)}))


def remove_layer(cache_root: Path, key: str) -> None:
    """Marker first (no one starts using it), then the folder, moved aside and deleted."""
    marker_path(cache_root, key).unlink(missing_ok=True)
    layer = Path(cache_root) / key
    if os.path.lexists(layer):
        doomed = Path(cache_root) / f".evict-{key}-{os.getpid()}-{time.monotonic_ns()}"
        os.rename(layer, doomed)
        shutil.rmtree(doomed, ignore_errors=True)


def evict(cache_root: Path, max_bytes: int, *, keep: set[str]) -> list[str]:
    """Delete least-recently-used layers until the cache holds at most ``max_bytes``,
    never one in ``keep`` (the current job's). Returns the evicted keys."""
    entries, total = [], 0
    for marker in Path(cache_root).glob(f"*{MARKER_SUFFIX}"):
        info = os.lstat(marker)
        if not stat.S_ISREG(info.st_mode):
            continue
        try:
            size = int(json.loads(marker.read_text()).get("bytes", 0))
        except (ValueError, OSError, AttributeError):
            size = 0
        key = marker.name[: -len(MARKER_SUFFIX)]
        entries.append((info.st_mtime_ns, key, size))
        total += size
    evicted = []
    for _, key, size in sorted(entries):
        if total <= max_bytes:
            break
        if key in keep:
            continue
        remove_layer(cache_root, key)
        evicted.append(key)
        total -= size
    _remove_stale_work(Path(cache_root))
    return evicted


def _remove_stale_work(cache_root: Path) -> None:
    cutoff = time.time() - STALE_WORK_S
    for leftover in cache_root.glob(".*-*"):
        if leftover.name.startswith((".work-", ".staging-", ".evict-")) and os.lstat(leftover).st_mtime < cutoff:
            shutil.rmtree(leftover, ignore_errors=True)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
