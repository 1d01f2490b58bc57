"""An uploaded archive is stored byte for byte as received; the job extracts it once, checked against the manifest."""

from __future__ import annotations

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import archive
from submissions.models import Submission
from tests.conftest import toy_files, zip_bytes

pytestmark = pytest.mark.django_db


def _submit(client, payload: bytes, name: str = "s.zip"):
    return client.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile(name, payload)},
        format="multipart",
    )


def _extract(submission: Submission, destination):
    stored = submission.archive
    archive.extract(
        lambda: stored.storage.open(stored.name, "rb"),
        stored.name,
        destination,
        submission.files,
        submission.entrypoint,
    )


def test_zip_is_stored_as_received_and_extracts_without_its_folder(as_alice, tmp_path):
    files = {f"project/{path}": content for path, content in toy_files(extra={"src/util.py": "X = 2\n"}).items()}
    payload = zip_bytes(files)
    response = _submit(as_alice, payload)
    assert response.status_code == 201, response.json()
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.archive.name.endswith(".zip")
    with submission.archive.open("rb") as stored:
        assert stored.read() == payload  # not rewritten, not recompressed
    assert {f["path"] for f in submission.files} == {"main.py", "config.yaml", "src/util.py"}

    _extract(submission, tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "config.yaml",
        "main.py",
        "src/util.py",
    ]
    assert (tmp_path / "src" / "util.py").read_text() == "X = 2\n"


def test_a_stored_archive_that_no_longer_matches_its_manifest_is_refused_at_extraction(as_alice, tmp_path):
    files = toy_files()
    submission = Submission.objects.get(pk=_submit(as_alice, zip_bytes(files)).json()["id"])
    path = submission.archive.path
    original = open(path, "rb").read()

    with zipfile.ZipFile(path, "a") as tampered:  # a file the manifest does not list
        tampered.writestr("extra.py", "print('not in the manifest')\n")
    with pytest.raises(archive.UploadRejected):
        _extract(submission, tmp_path / "added")

    changed = dict(files, **{"main.py": files["main.py"].replace("print", "PRINT")})  # same size, other bytes
    open(path, "wb").write(zip_bytes(changed))
    with pytest.raises(archive.UploadRejected) as refused:
        _extract(submission, tmp_path / "changed")
    assert refused.value.code == "manifest"

    open(path, "wb").write(original)
    _extract(submission, tmp_path / "original")
    assert (tmp_path / "original" / "main.py").read_text() == files["main.py"]
