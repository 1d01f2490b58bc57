"""Job logs: one append-only file per job under ``LB_DATA_DIR/logs``.

The worker (and the sandboxed process, through it) appends; the API reads
by byte offset, so a client can tail a running job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

MAX_CHUNK = 256 * 1024


def log_path(job_id) -> Path:
    return settings.DATA_DIR / "logs" / f"{job_id}.log"


def open_for_append(job_id):
    path = log_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "ab", buffering=0)


def platform_line(log, message: str) -> None:
    """A line the platform (not the submission) writes, marked as such."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.write(f"[platform {stamp}] {message}\n".encode())


@dataclass(frozen=True)
class LogChunk:
    text: str
    offset: int
    next_offset: int
    at_end: bool


def read_chunk(job_id, offset: int = 0, limit: int = MAX_CHUNK) -> LogChunk:
    path = log_path(job_id)
    if not path.exists():
        return LogChunk("", offset, offset, True)
    size = path.stat().st_size
    offset = max(0, min(offset, size))
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(min(limit, MAX_CHUNK))
    if len(data) < size - offset:  # more follows: don't cut a character in half
        data = _whole_characters(data)
    next_offset = offset + len(data)
    return LogChunk(data.decode("utf-8", errors="replace"), offset, next_offset, next_offset >= size)


def _whole_characters(data: bytes) -> bytes:
    """``data`` without a trailing, incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # the start of the last character
            need = 1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
            return data if back >= need else data[:-back]
    return data


def tail_lines(job_id, lines: int) -> str:
    path = log_path(job_id)
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64 * 1024))
        text = handle.read().decode("utf-8", errors="replace")
    kept = [line for line in text.splitlines() if not line.startswith("[platform ")]
    return "\n".join(kept[-lines:])
