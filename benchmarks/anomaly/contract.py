"""Strict reading of a submission's output directory.

The output contract (docs/benchmarks/anomaly.md):

``OUTDIR/predictions.npz`` (``numpy.savez`` or ``savez_compressed``) with
exactly three arrays:

* ``ids``    shape (n,), strings: every public test id, each once;
* ``scores`` shape (n,), real numbers: image anomaly score, higher = more anomalous;
* ``maps``   shape (n, h, w), real numbers: anomaly map per image, any h, w.

``OUTDIR/timings.json`` (optional): ``{"inference_time_ms": <ms per image>}``.

Nothing is ever followed through a symlink, pickles are refused, and every
error names the file and says why.
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from benchmarks.base import ScoringError

PREDICTIONS = "predictions.npz"
TIMINGS = "timings.json"
REQUIRED_ARRAYS = ("ids", "scores", "maps")
MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
MAX_MAP_PIXELS = 4096 * 4096
_LISTED = 5  # ids named in one error message


@dataclass
class Predictions:
    scores: np.ndarray  # (n,) float64, in ground-truth id order
    maps: np.ndarray  # (n, h, w), in ground-truth id order (any real dtype)


def _listing(names: list[str]) -> str:
    shown = ", ".join(f"test/{name}.png" for name in names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def _open_regular(path: Path) -> BinaryIO:
    """Open a plain file without following symlinks or blocking on FIFOs."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ScoringError(f"{path.name}: missing from the output directory") from None
    if stat.S_ISLNK(info.st_mode):
        raise ScoringError(f"{path.name}: is a symbolic link; write a regular file")
    if not stat.S_ISREG(info.st_mode):
        raise ScoringError(f"{path.name}: is not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise ScoringError(f"{path.name}: cannot be opened ({error.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped after lstat
        os.close(fd)
        raise ScoringError(f"{path.name}: is not a regular file")
    return os.fdopen(fd, "rb")


def _check_directory(output_dir: Path) -> None:
    if output_dir.is_symlink():
        raise ScoringError(f"{output_dir.name}: the output directory is a symbolic link")
    if not output_dir.is_dir():
        raise ScoringError(f"{output_dir.name}: the output directory does not exist")


def _load_arrays(handle: BinaryIO) -> dict[str, np.ndarray]:
    try:
        with zipfile.ZipFile(handle) as archive:
            members = {info.filename: info.file_size for info in archive.infolist()}
            for info in archive.infolist():
                _check_header(archive, info)
        names = sorted(name.removesuffix(".npy") for name in members)
        if sorted(REQUIRED_ARRAYS) != names:
            raise ScoringError(
                f"{PREDICTIONS}: must hold exactly the arrays {', '.join(REQUIRED_ARRAYS)}; found {', '.join(names) or 'none'}"
            )
        if sum(members.values()) > MAX_UNCOMPRESSED_BYTES:
            raise ScoringError(f"{PREDICTIONS}: arrays exceed {MAX_UNCOMPRESSED_BYTES >> 30} GiB uncompressed")
        handle.seek(0)
        with np.load(handle, allow_pickle=False) as npz:
            return {name: npz[name] for name in REQUIRED_ARRAYS}
    except ScoringError:
        raise
    except MemoryError as error:  # e.g. a decompression bomb: its arrays outgrow the scorer's memory limit
        raise ScoringError(f"{PREDICTIONS}: its arrays do not fit in the scorer's memory ({error})") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ScoringError(f"{PREDICTIONS}: not a readable .npz without pickles ({error})") from None


def _check_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an array whose header promises more data than its member holds
    (numpy would allocate the promised size before reading)."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    if dtype.hasobject:
        raise ValueError(f"{info.filename} holds Python objects (pickles)")
    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > info.file_size:
        raise ValueError(f"{info.filename} declares shape {shape} but holds only {info.file_size} bytes")


def _real(array: np.ndarray) -> bool:
    return array.dtype.kind in "fiu"


def _check_ids(ids: np.ndarray, expected: list[str]) -> list[str]:
    if ids.ndim != 1 or ids.dtype.kind not in "US":
        raise ScoringError(f"{PREDICTIONS}: 'ids' must be a 1-D array of strings, got {ids.dtype} {ids.shape}")
    given = [i.decode() if isinstance(i, bytes) else str(i) for i in ids.tolist()]
    seen: set[str] = set()
    duplicates = sorted({i for i in given if i in seen or seen.add(i)})
    if duplicates:
        raise ScoringError(f"{PREDICTIONS}: duplicate ids {_listing(duplicates)}")
    missing = sorted(set(expected) - seen)
    if missing:
        raise ScoringError(f"{PREDICTIONS}: no prediction for {_listing(missing)}")
    extra = sorted(seen - set(expected))
    if extra:
        raise ScoringError(f"{PREDICTIONS}: predictions for images not in the test set: {_listing(extra)}")
    return given


def _check_values(arrays: dict[str, np.ndarray], given: list[str]) -> None:
    n = len(given)
    scores, maps = arrays["scores"], arrays["maps"]
    if scores.shape != (n,) or not _real(scores):
        raise ScoringError(f"{PREDICTIONS}: 'scores' must be {n} real numbers, got {scores.dtype} {scores.shape}")
    if maps.ndim != 3 or maps.shape[0] != n or not _real(maps) or 0 in maps.shape:
        raise ScoringError(
            f"{PREDICTIONS}: 'maps' must have shape ({n}, h, w) of real numbers, got {maps.dtype} {maps.shape}"
        )
    if maps.shape[1] * maps.shape[2] > MAX_MAP_PIXELS:
        raise ScoringError(f"{PREDICTIONS}: maps of {maps.shape[1]}x{maps.shape[2]} exceed {MAX_MAP_PIXELS} pixels")
    bad_scores = ~np.isfinite(scores)
    if bad_scores.any():
        raise ScoringError(
            f"{PREDICTIONS}: score is NaN or infinite for {_listing([given[i] for i in np.flatnonzero(bad_scores)])}"
        )
    bad_maps = [given[i] for i in range(n) if not np.isfinite(maps[i]).all()]
    if bad_maps:
        raise ScoringError(f"{PREDICTIONS}: anomaly map has NaN or infinite values for {_listing(bad_maps)}")


def read_predictions(output_dir: Path, expected_ids: list[str]) -> Predictions:
    """Validate ``predictions.npz`` and return it in ``expected_ids`` order."""
    output_dir = Path(output_dir)
    _check_directory(output_dir)
    with _open_regular(output_dir / PREDICTIONS) as handle:
        arrays = _load_arrays(handle)
    given = _check_ids(arrays["ids"], expected_ids)
    _check_values(arrays, given)
    position = {test_id: i for i, test_id in enumerate(given)}
    order = np.array([position[test_id] for test_id in expected_ids], dtype=np.int64)
    return Predictions(scores=arrays["scores"][order].astype(np.float64), maps=arrays["maps"][order])


def read_timings(output_dir: Path) -> float | None:
    """``inference_time_ms`` from ``timings.json``, or None when there is none."""
    path = Path(output_dir) / TIMINGS
    if not os.path.lexists(path):
        return None
    with _open_regular(path) as handle:
        raw = handle.read(65537)
    if len(raw) > 65536:
        raise ScoringError(f"{TIMINGS}: larger than 64 KiB")
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise ScoringError(f"{TIMINGS}: not valid JSON ({error})") from None
    value = data.get("inference_time_ms") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ScoringError(f'{TIMINGS}: needs "inference_time_ms": a finite number >= 0 (ms per image)')
    return float(value)
