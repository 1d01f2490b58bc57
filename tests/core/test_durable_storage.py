"""Uploads are on disk before their row is written, and not left in the page cache (core/storage.py)."""

from __future__ import annotations

import os
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.storage import DurableFileSystemStorage
from submissions.models import Submission
from tests.conftest import client_for, upload


def _cached_bytes(path: str) -> int:
    """Bytes of ``path`` in the page cache (util-linux ``fincore``)."""
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", path], check=True, capture_output=True, text=True
    ).stdout
    return int(out.strip())


@pytest.fixture
def flushes(monkeypatch):
    """What was flushed to disk: the paths given to fdatasync and fsync (the calls still happen)."""
    seen = []
    real_fdatasync, real_fsync = os.fdatasync, os.fsync

    def record(real):
        def call(fd):
            seen.append(os.readlink(f"/proc/self/fd/{fd}"))
            return real(fd)

        return call

    monkeypatch.setattr(os, "fdatasync", record(real_fdatasync))
    monkeypatch.setattr(os, "fsync", record(real_fsync))
    return seen


def test_a_saved_file_and_its_name_are_flushed_and_its_pages_dropped(tmp_path, flushes):
    storage = DurableFileSystemStorage(location=tmp_path)
    name = storage.save("archive.zip", ContentFile(os.urandom(1 << 20)))
    path = storage.path(name)
    assert flushes == [path, str(tmp_path)]  # the data, then the folder entry
    assert _cached_bytes(path) == 0
    assert open(path, "rb").read(4) and os.path.getsize(path) == 1 << 20  # still readable, from disk


@pytest.mark.django_db
def test_an_uploaded_archive_is_on_disk_before_the_201(alice, flushes):
    assert isinstance(
        default_storage._wrapped if hasattr(default_storage, "_wrapped") else default_storage, DurableFileSystemStorage
    )
    response = upload(client_for(alice))
    assert response.status_code == 201
    path = Submission.objects.get(pk=response.json()["id"]).archive.path
    assert path in flushes and os.path.dirname(path) in flushes
    assert _cached_bytes(path) == 0
