"""Archive bombs are refused with a 400 and a code, measured while streaming, in bounded memory.

Each bomb is a few MiB on the wire and expands to GiB: a GNU long name, a PAX
header, a member-count bomb (tar and zip), a zip whose sizes lie. The memory
bound is checked in a subprocess whose address space is capped at its idle size
plus 100 MiB (the real web tier's workers are measured in
``test_archive_bomb_web_tier.py``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import sys
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ROOT, toy_files
from tests.submissions import bombs

pytestmark = pytest.mark.django_db


def _submit(client, payload: bytes, name: str):
    return client.post(
        "/api/submissions",
        {"benchmark": "toy", "method": "m", "archive": SimpleUploadedFile(name, payload)},
        format="multipart",
    )


def _refused(response, code: str) -> None:
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["error"] == code, body
    assert body["detail"]


def _toy_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in toy_files().items():
            info = tarfile.TarInfo(name)
            info.size = len(content.encode())
            archive.addfile(info, io.BytesIO(content.encode()))
    return buffer.getvalue()


def test_a_2_gib_long_name_in_a_small_tar_gz_is_refused_unread(as_alice):
    payload = bombs.long_name_bomb()
    assert len(payload) < 4 * 1024 * 1024
    _refused(_submit(as_alice, payload, "bomb.tar.gz"), "header_too_large")


def test_a_pax_header_bomb_is_refused_unread(as_alice):
    _refused(_submit(as_alice, bombs.pax_bomb(), "pax.tar.gz"), "header_too_large")


def test_a_long_name_hidden_behind_an_old_style_folder_is_still_seen(as_alice):
    # tarfile reads a type-"\0" member named "x/" as a folder and skips none of its declared
    # data; a walk that skipped it would miss the long-name header tarfile reads next.
    payload = bombs.gzip_of_repeats(
        bombs.tar_header(b"x/", b"\0", 512) + bombs.tar_header(b"././@LongLink", b"L", 2**30),
        ord("a"),
        2**30,
        bytes(1024),
    )
    _refused(_submit(as_alice, payload, "hidden.tar.gz"), "header_too_large")


def test_a_tar_member_count_bomb_is_refused(as_alice, settings):
    settings.LB_UPLOAD_MAX_FILES = 100
    _refused(_submit(as_alice, bombs.member_count_bomb(100_000), "many.tar.gz"), "too_many_files")


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress], ids=["bzip2", "xz"])
def test_every_tar_compression_is_walked_with_the_same_bounds(as_alice, settings, compress):
    settings.LB_UPLOAD_MAX_FILES = 100
    assert _submit(as_alice, compress(_toy_tar()), "ok.tar").status_code == 201
    bomb = compress(gzip.decompress(bombs.member_count_bomb(1000)))
    _refused(_submit(as_alice, bomb, "many.tar"), "too_many_files")
    long_name = compress(bombs.tar_header(b"././@LongLink", b"L", 1024**3) + b"a" * 4096)
    _refused(_submit(as_alice, long_name, "long.tar"), "header_too_large")


def test_a_zip_member_count_bomb_is_refused_before_zipfile_parses_it(as_alice, settings):
    settings.LB_UPLOAD_MAX_FILES = 100
    _refused(_submit(as_alice, bombs.zip_of(40_000), "many.zip"), "too_many_files")


def test_a_zip_that_inflates_past_its_declared_sizes_is_refused(as_alice, settings):
    settings.LB_UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    response = _submit(as_alice, bombs.zip_with_lying_sizes(64 * 1024 * 1024), "lying.zip")
    assert response.status_code == 400
    assert response.json()["error"] in ("too_large", "zip_bomb", "corrupt_archive")


def test_legitimate_long_names_and_pax_headers_still_pass(as_alice):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, content in toy_files(extra={"src/" + "n" * 120 + ".py": "X = 1\n"}).items():
            info = tarfile.TarInfo(name)
            info.size = len(content.encode())
            info.pax_headers = {"comment": "é" * 50}
            archive.addfile(info, io.BytesIO(content.encode()))
    response = _submit(as_alice, buffer.getvalue(), "pax.tar.gz")
    assert response.status_code == 201, response.json()


_VALIDATE = """
import os, resource, sys
import django
django.setup()
from django.conf import settings
from submissions import archive
from submissions.services import _limits
payload = open(sys.argv[1], "rb")
limits = _limits()
def vm_kib():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmSize")).split()[1])
cap = (vm_kib() + 100 * 1024) * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    archive.build_manifest(payload, sys.argv[2], limits)
except archive.UploadRejected as exc:
    print("REFUSED", exc.code)
except MemoryError:
    print("MEMORY")
else:
    print("ACCEPTED")
"""


@pytest.mark.parametrize(
    "name, build", [("bomb.tar.gz", bombs.long_name_bomb), ("pax.tar.gz", bombs.pax_bomb)], ids=["long-name", "pax"]
)
def test_validation_stays_within_100_mib_of_idle(tmp_path, name, build):
    path = tmp_path / name
    path.write_bytes(build())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _VALIDATE, str(path), name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.split() == ["REFUSED", "header_too_large"], (done.stdout, done.stderr[-2000:])
