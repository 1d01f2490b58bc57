"""POST /api/submissions: what is accepted, and each rejection with its code."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions.models import Submission
from tests.conftest import toy_files, upload, zip_bytes


def stored_archives(settings) -> list:
    root = settings.DATA_DIR / "submissions"
    return sorted(root.glob("*")) if root.exists() else []


def test_zip_upload_is_stored_with_metadata(as_alice, alice):
    response = upload(as_alice, toy_files(extra={"src/model.py": "X = 1\n", "data/w.npy": b"\x93NUMPY"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {
        "id",
        "benchmark",
        "method",
        "entrypoint",
        "config_file",
        "sha256",
        "size_bytes",
        "files",
        "created_at",
        "description",  # the method card (docs/submissions.md)
        "paper_url",
        "code_url",
        "team",  # null: submitted as oneself
    }
    assert body["team"] is None and body["description"] == ""
    assert body["entrypoint"] == "main.py" and body["config_file"] == "config.yaml"
    assert {f["path"] for f in body["files"]} == {"main.py", "config.yaml", "src/model.py", "data/w.npy"}
    assert Submission.objects.get(pk=body["id"]).owner == alice


def test_same_code_has_same_sha256_whatever_the_packing(as_alice):
    files = toy_files()
    zipped = upload(as_alice, files).json()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in reversed(list(files.items())):
            info = tarfile.TarInfo(name)
            info.size = len(content.encode())
            archive.addfile(info, io.BytesIO(content.encode()))
    tarred = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.tar.gz", buffer.getvalue())},
        format="multipart",
    ).json()
    assert zipped["sha256"] == tarred["sha256"]


def multipart(fields: dict, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body by hand: test clients strip folders from filenames, browsers and curl don't."""
    boundary = "----lbtestboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    for name, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_loose_files_keep_their_relative_paths(as_alice):
    body, content_type = multipart(
        {"benchmark": "toy", "method": "loose"},
        [("main.py", b"print(1)\n"), ("config.yaml", b"a: 1\n"), ("src/util.py", b"")],
    )
    response = as_alice.generic("POST", "/api/submissions", body, content_type=content_type)
    assert response.status_code == 201, response.json()
    assert {f["path"] for f in response.json()["files"]} == {"main.py", "config.yaml", "src/util.py"}


def test_a_zipped_folder_is_unwrapped(as_alice):
    files = {f"my-method/{name}": content for name, content in toy_files().items()}
    response = upload(as_alice, files)
    assert response.status_code == 201
    assert {f["path"] for f in response.json()["files"]} == {"main.py", "config.yaml"}


def test_custom_entrypoint_and_config(as_alice):
    response = upload(as_alice, {"run.py": "", "cfg/exp.yml": "a: 1"}, entrypoint="run.py", config_file="cfg/exp.yml")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "files, fields, code",
    [
        ({"config.yaml": ""}, {}, "missing_entrypoint"),
        ({"main.py": ""}, {}, "missing_config_file"),
        (toy_files(), {"entrypoint": "../main.py"}, "bad_path"),
        (toy_files(), {"entrypoint": "/abs/main.py"}, "bad_path"),
        (toy_files(), {"entrypoint": "config.yaml"}, "bad_entrypoint"),
        (toy_files(), {"benchmark": "nope"}, "unknown_benchmark"),
        (toy_files(extra={"../escape.py": ""}), {}, "bad_path"),
        (toy_files(extra={"/etc/cron.py": ""}), {}, "bad_path"),
        (toy_files(extra={"C:/win.py": ""}), {}, "bad_path"),
        (toy_files(extra={"src\\win.py": ""}), {}, "bad_path"),
        (toy_files(extra={"tool.exe": b"MZ"}), {}, "bad_extension"),
        (toy_files(extra={"inner.zip": b"PK"}), {}, "nested_archive"),
        (toy_files(extra={"data/inner.tar.gz": b""}), {}, "nested_archive"),
        (toy_files(extra={"Main.py": ""}), {}, "duplicate_name"),
    ],
)
def test_bad_uploads_are_rejected_with_a_code_and_nothing_stored(as_alice, settings, files, fields, code):
    before = stored_archives(settings)
    response = upload(as_alice, files, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code and body["detail"]
    assert stored_archives(settings) == before
    assert not Submission.objects.exists()


def _zip_with_mode(name: str, mode: int, content: bytes = b"target") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", "")
        archive.writestr("config.yaml", "")
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        archive.writestr(info, content)
    return buffer.getvalue()


@pytest.mark.parametrize("mode, code", [(0o120777, "link"), (0o020644, "special_file")])
def test_links_and_devices_in_zip_are_rejected(as_alice, mode, code):
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.zip", _zip_with_mode("evil.py", mode))},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"] == code


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE])
def test_links_and_devices_in_tar_are_rejected(as_alice, kind):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("main.py", "config.yaml"):
            archive.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
        special = tarfile.TarInfo("evil.py")
        special.type = kind
        special.linkname = "/etc/passwd"
        archive.addfile(special)
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.tar.gz", buffer.getvalue())},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"] in {"link", "special_file"}


def test_zip_bomb_is_rejected(as_alice):
    response = upload(as_alice, toy_files(extra={"data/zeros.npy": b"\0" * (20 * 1024 * 1024)}))
    assert response.status_code == 400 and response.json()["error"] == "zip_bomb"


def test_file_count_limit(as_alice, settings):
    settings.LB_UPLOAD_MAX_FILES = 3
    response = upload(as_alice, toy_files(extra={f"src/m{i}.py": "" for i in range(3)}))
    assert response.status_code == 400 and response.json()["error"] == "too_many_files"


def test_traversal_in_loose_file_names_is_rejected(as_alice):
    body, content_type = multipart(
        {"benchmark": "toy", "method": "m"}, [("main.py", b""), ("config.yaml", b""), ("../../etc/x.py", b"")]
    )
    response = as_alice.generic("POST", "/api/submissions", body, content_type=content_type)
    assert response.status_code == 400 and response.json()["error"] == "bad_path"


def test_oversized_upload_is_refused_while_streaming(as_alice, settings):
    settings.LB_UPLOAD_MAX_BYTES = 256 * 1024
    big = zip_bytes(toy_files(extra={"data/noise.bin": __import__("os").urandom(600 * 1024)}))
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.zip", big)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["error"] == "upload_too_large"
    assert not Submission.objects.exists()


def test_both_archive_and_files_is_ambiguous(as_alice):
    response = as_alice.post(
        "/api/submissions",
        {
            "benchmark": "toy",
            "method": "m",
            "archive": SimpleUploadedFile("s.zip", zip_bytes(toy_files())),
            "files": [SimpleUploadedFile("main.py", b"")],
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"] == "ambiguous_upload"


def test_corrupt_archive(as_alice):
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.zip", b"not a zip")},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"] == "corrupt_archive"


def test_anonymous_upload_is_401(anonymous):
    response = upload(anonymous)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_others_submission_is_404(as_alice, as_bob):
    submission_id = upload(as_alice).json()["id"]
    assert as_bob.get(f"/api/submissions/{submission_id}").status_code == 404
    assert as_alice.get(f"/api/submissions/{submission_id}").status_code == 200


def test_a_damaged_zip_member_is_refused_by_its_crc(as_alice):
    """A stored member whose bytes changed after zipping (its CRC-32 no longer matches) is a 400, not a 500."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in toy_files(extra={"data/w.bin": b"\x00" * 4096}).items():
            archive.writestr(name, content)
    damaged = buffer.getvalue().replace(b"\x00" * 4096, b"\x00" * 2048 + b"\x01" + b"\x00" * 2047, 1)
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.zip", damaged)},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"] == "corrupt_archive"
    assert "data/w.bin" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_a_damaged_deflated_member_is_refused(as_alice):
    """A deflated member whose compressed bytes are garbage is a 400 naming it, not a 500."""
    data = bytes(range(256)) * 64
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in toy_files(extra={"data/w.bin": data}).items():
            archive.writestr(name, content)
    raw = buffer.getvalue()
    start = raw.index(b"data/w.bin") + len("data/w.bin")  # the member's compressed bytes follow its local header
    damaged = raw[: start + 4] + b"\xff" * 64 + raw[start + 68 :]
    response = as_alice.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile("s.zip", damaged)},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"] == "corrupt_archive"
    assert "data/w.bin" in response.json()["detail"]
    assert not Submission.objects.exists()
