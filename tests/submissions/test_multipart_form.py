"""POST /api/submissions as raw multipart bodies: what the form parser keeps, and how it refuses."""

from __future__ import annotations

import base64
import os

from submissions.models import Submission
from tests.conftest import toy_files, zip_bytes

BOUNDARY = "9f1c2a9e0d2b4c3f8a7b6c5d4e3f2a1b"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes, filename: str | None = None, headers: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return (f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{headers}\r\n").encode() + value + b"\r\n"


def form(*parts: bytes, closed: bool = True) -> bytes:
    return b"".join(parts) + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def post(client, body: bytes):
    return client.generic("POST", "/api/submissions", body, content_type=CONTENT_TYPE)


def fields() -> list[bytes]:
    return [part("benchmark", b"toy"), part("method", "méthode ✓".encode())]


def test_an_archive_part_is_stored_and_fields_are_utf8(as_alice):
    archive = zip_bytes(toy_files())
    response = post(as_alice, form(*fields(), part("archive", archive, "s.zip", "Content-Type: application/zip\r\n")))
    assert response.status_code == 201, response.json()
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.method == "méthode ✓"
    with submission.archive.open("rb") as stored:
        assert stored.read() == archive


def test_file_parts_keep_their_folders(as_alice):
    parts = [
        part("files", content.encode(), path)
        for path, content in {**toy_files(), "src/model.py": "X = 1\n", "src/nn/layers.py": "Y = 2\n"}.items()
    ]
    response = post(as_alice, form(*fields(), *parts))
    assert response.status_code == 201, response.json()
    assert {f["path"] for f in response.json()["files"]} >= {"src/model.py", "src/nn/layers.py", "main.py"}


def test_a_body_cut_before_its_closing_boundary_stores_nothing(as_alice):
    """Django's parser drops a part that never ends: the upload has no code, a 400."""
    response = post(as_alice, form(*fields(), part("archive", zip_bytes(toy_files()), "s.zip"), closed=False))
    assert response.status_code == 400 and response.json()["error"] == "empty"
    assert not Submission.objects.exists()


def test_a_malformed_part_is_dropped_and_the_form_refused(as_alice):
    response = post(as_alice, f"--{BOUNDARY}\r\nno colon in this header\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode())
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert not Submission.objects.exists()


def test_a_missing_boundary_is_a_400(as_alice):
    response = as_alice.generic("POST", "/api/submissions", form(*fields()), content_type="multipart/form-data")
    assert response.status_code == 400 and response.json()["error"] == "parse_error"


def test_base64_parts_are_stored_decoded(as_alice):
    """RFC 2045 transfer encoding: Django's parser decodes the part; the archive stored is the zip itself."""
    archive = zip_bytes(toy_files())
    encoded = base64.b64encode(archive)
    response = post(
        as_alice, form(*fields(), part("archive", encoded, "s.zip", "Content-Transfer-Encoding: base64\r\n"))
    )
    assert response.status_code == 201, response.json()
    with Submission.objects.get(pk=response.json()["id"]).archive.open("rb") as stored:
        assert stored.read() == archive


def test_too_many_files_is_a_400_with_a_code(as_alice, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    parts = [part("files", b"x = 1\n", f"m{i}.py") for i in range(4)]
    response = post(as_alice, form(*fields(), *parts))
    assert response.status_code == 400 and response.json()["error"] == "too_many_files"


def test_an_upload_too_big_for_memory_counts_once_against_the_limit(as_alice, settings):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE the memory handler hands each chunk on to the
    temporary-file handler; the limit counts the upload's bytes, not each handler's view of them."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    settings.LB_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    archive = zip_bytes(toy_files(extra={"data/noise.bin": os.urandom(6 * 1024 * 1024)}))
    response = post(as_alice, form(*fields(), part("archive", archive, "s.zip")))
    assert response.status_code == 201, response.json()
    assert Submission.objects.get(pk=response.json()["id"]).archive.size == len(archive)


def test_an_upload_over_the_limit_is_a_413_whatever_handler_holds_it(as_alice, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    settings.LB_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
    archive = zip_bytes(toy_files(extra={"data/noise.bin": os.urandom(5 * 1024 * 1024)}))
    response = post(as_alice, form(*fields(), part("archive", archive, "s.zip")))
    assert response.status_code == 413 and response.json()["error"] == "upload_too_large"
    assert not Submission.objects.exists()


def test_a_preamble_before_the_first_boundary_is_ignored(as_alice):
    """RFC 2046 allows text before the first delimiter; Django's parser skips it."""
    body = b"This is a multi-part message in MIME format.\r\n" + form(
        *fields(), part("archive", zip_bytes(toy_files()), "s.zip")
    )
    response = post(as_alice, body)
    assert response.status_code == 201, response.json()
