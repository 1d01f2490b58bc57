"""Where each benchmark's public and hidden data live, and preparing them.

Each preparation writes a whole new *set* (``<slug>/set-<id>/public`` and
``hidden``) and then makes it current by replacing ``<slug>/prepared.json`` in
one rename: a job never sees half a set, and one running on the set before
keeps its files (retired sets are removed only once no run can still be using
them).

A set is named in public by its **data-set id**, ``ds-`` and 16 random hex
digits drawn when it is prepared: the reproducibility record, the board and
the entry page show it. The benchmark's *fingerprint* decides whether the data
on disk is current (``prepare`` redoes stale data); it is a hash of facts that
include the hidden seed, so it stays in ``prepared.json`` and the hidden
folder and is never shown.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings

from benchmarks.base import Benchmark

MARKER = "prepared.json"
ID_PREFIX = "ds-"
# Shown instead of what records made before data-set ids carried (a hash of the hidden seed).
LEGACY_ID = "legacy"


class DatasetMissing(Exception):
    pass


class DatasetChanged(Exception):
    """The benchmark's data was replaced while a job ran: its output may be for the old set."""


def _root(benchmark: Benchmark) -> Path:
    return settings.LB_BENCHMARK_DATA_DIR / benchmark.slug


def _marker(benchmark: Benchmark) -> Path:
    return _root(benchmark) / MARKER


def fingerprint(benchmark: Benchmark) -> str:
    """Secret: changes whenever the prepared data would differ. Never publish it."""
    return str(benchmark.fingerprint)


def current(benchmark: Benchmark) -> dict | None:
    """The marker of the current set, or None when nothing (in this layout) is prepared."""
    try:
        data = json.loads(_marker(benchmark).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not str(data.get("dataset_id", "")).startswith(ID_PREFIX):
        return None  # a marker from before data-set ids: prepare the data again
    return data


def dataset_id(benchmark: Benchmark) -> str | None:
    """The public id of the current set."""
    marker = current(benchmark)
    return marker["dataset_id"] if marker else None


def public_id(value: object) -> str:
    """What may be shown of a recorded ``dataset_version``: a data-set id, else ``legacy``."""
    text = str(value or "")
    return text if text.startswith(ID_PREFIX) else LEGACY_ID


def is_prepared(benchmark: Benchmark) -> bool:
    """Whether the current set exists and was built for this benchmark's data (fingerprint and all)."""
    marker = current(benchmark)
    return bool(marker) and marker.get("fingerprint") == fingerprint(benchmark) and _set_dir(benchmark, marker).is_dir()


def _set_dir(benchmark: Benchmark, marker: dict) -> Path:
    return _root(benchmark) / marker["set"]


def dirs(benchmark: Benchmark) -> tuple[Path, Path]:
    """Public and hidden folders of the current set (the legacy layout's when there is none)."""
    marker = current(benchmark)
    base = _set_dir(benchmark, marker) if marker else _root(benchmark)
    return base / "public", base / "hidden"


def prepare(benchmark: Benchmark, *, force: bool = False) -> bool:
    """Prepare data if missing or stale (always with ``force``); returns whether work was done."""
    if not force and is_prepared(benchmark):
        return False
    root = _root(benchmark)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".prepare.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one preparer at a time: none loses the other's retired set
        if not force and is_prepared(benchmark):
            return False  # another process prepared it while this one waited
        _prepare_locked(benchmark, root)
    return True


def _prepare_locked(benchmark: Benchmark, root: Path) -> None:
    new_id = ID_PREFIX + secrets.token_hex(8)
    building = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    try:
        public, hidden = building / "public", building / "hidden"
        public.mkdir()
        hidden.mkdir()
        benchmark.prepare(public, hidden)
        set_dir = root / f"set-{new_id}"
        building.rename(set_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    os.chmod(set_dir, 0o755)  # mkdtemp made it 0700; the docker backend's runs read the public half
    previous = current(benchmark)
    retired = list(previous.get("retired", [])) if previous else []
    now = time.time()
    if previous:
        retired.append({"set": previous["set"], "retired_at": now})
    marker = {
        "dataset_id": new_id,
        "set": set_dir.name,
        "fingerprint": fingerprint(benchmark),
        "scorer_version": benchmark.version,
        "prepared_at": now,
        "prepared_at_iso": datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds"),
        "retired": _remove_unused(root, retired, now),
    }
    _write_marker(benchmark, marker)
    _retire_legacy_layout(root)


def _write_marker(benchmark: Benchmark, marker: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=_root(benchmark), prefix=".prepared-")
    with os.fdopen(fd, "w") as handle:
        json.dump(marker, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, _marker(benchmark))  # the switch: readers see the old set or the new one


def _longest_run_s() -> float:
    timeouts = [float(rc.get("timeout_s", 3600)) for rc in settings.LB_RESOURCE_CLASSES.values()] or [3600.0]
    return max(timeouts) + float(settings.LB_RUN_GRACE_S)


def _remove_unused(root: Path, retired: list[dict], now: float) -> list[dict]:
    """Delete retired sets no run can still be reading; returns those kept."""
    kept = []
    for item in retired:
        if now - float(item["retired_at"]) > _longest_run_s():
            shutil.rmtree(root / item["set"], ignore_errors=True)
        else:
            kept.append(item)
    return kept


def _retire_legacy_layout(root: Path) -> None:
    """``<slug>/public`` and ``hidden`` from before sets: removed once no run can still be reading them."""
    for name in ("public", "hidden"):
        path = root / name
        if path.is_dir() and time.time() - path.stat().st_mtime > _longest_run_s():
            shutil.rmtree(path, ignore_errors=True)


def ready_dirs(benchmark: Benchmark) -> tuple[Path, Path]:
    """The current set's folders. Only the scorer version is checked here (no seed is read at run time):
    ``bootstrap`` and ``rotate_hidden_data`` decide what is current."""
    marker = current(benchmark)
    if not marker or marker.get("scorer_version") != benchmark.version or not _set_dir(benchmark, marker).is_dir():
        raise DatasetMissing(
            f"data for benchmark {benchmark.slug!r} (scorer version {benchmark.version}) is not prepared; "
            "an operator must run `python manage.py bootstrap`"
        )
    return dirs(benchmark)


def scored_on(benchmark: Benchmark, *, started_at: datetime | None) -> str:
    """The id of the set a job that started at ``started_at`` was scored on, now, after scoring.

    Raises :class:`DatasetChanged` when the set became current after the job started: its run read the
    set before and the scorer the new one, so its numbers mean nothing; the runner gives the job back
    and it runs again on the new data."""
    marker = current(benchmark)
    if not marker:
        raise DatasetMissing(f"data for benchmark {benchmark.slug!r} is not prepared")
    # Worker clocks are compared with the preparing host's: they are assumed NTP-synchronised.
    if started_at is not None and started_at.timestamp() < float(marker["prepared_at"]):
        raise DatasetChanged(
            f"the hidden data of {benchmark.slug!r} was replaced while this job ran "
            f"(now {marker['dataset_id']}); it runs again on the new data"
        )
    return marker["dataset_id"]
