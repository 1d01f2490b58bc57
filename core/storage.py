"""Where uploads are kept: Django's file system storage, made durable.

A submission is acknowledged (201) once its row is committed, and the row is durable
at that point; :class:`DurableFileSystemStorage` makes the archive durable before the
row is written: it flushes the file and its folder entry to disk (``fdatasync``, then
``fsync`` of the folder), so a power cut cannot leave a row whose archive is gone.

Once on disk, the file's pages are dropped from the page cache. An archive is read
once, when a worker runs it (often on another host, minutes later); keeping a gigabyte
of uploads cached would push out what the database and the web tier read on every
request. It is also cheaper: on the development VM, growing the page cache into
untouched memory cost 2-9 ms of kernel CPU per MiB written, against about 1 ms for
write + flush + drop (docs/performance.md).
"""

from __future__ import annotations

import os

from django.core.files.storage import FileSystemStorage


class DurableFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` whose ``save`` returns once the file and its name are on disk."""

    def _save(self, name, content):
        name = super()._save(name, content)
        path = self.path(name)
        flush_and_forget(path)
        sync_folder(os.path.dirname(path))
        return name


def flush_and_forget(path: str) -> None:
    """Write ``path``'s data to disk, then drop its pages from the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        if hasattr(os, "posix_fadvise"):  # Linux; elsewhere the pages stay cached
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def sync_folder(folder: str) -> None:
    """Make a new name in ``folder`` durable (POSIX: a file's fsync does not cover its folder entry)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
