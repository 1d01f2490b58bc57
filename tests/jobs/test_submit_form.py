"""The browser submit form works as a plain multipart POST (no JavaScript): it redirects
to the job page, shows each error beside its field, keeps folder paths, and checks CSRF."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jobs.models import Job
from submissions.models import Submission
from tests.conftest import TOY_MAIN, toy_files, zip_bytes

BOUNDARY = "lbTestBoundary"


@pytest.fixture
def browser(client, alice, prepared_toy):
    client.force_login(alice)
    return client


def _archive(files=None):
    return SimpleUploadedFile(
        "method.zip", zip_bytes(files if files is not None else toy_files()), content_type="application/zip"
    )


def _error_beside(content: bytes, field: str) -> str:
    match = re.search(rf'<span class="error" data-for="{field}"[^>]*>(.*?)</span>', content.decode(), re.S)
    return match.group(1).strip() if match else ""


def test_plain_post_redirects_to_the_new_job(browser, alice):
    response = browser.post(
        "/benchmarks/toy/submit",
        {
            "method": "from-the-form",
            "entrypoint": "main.py",
            "config_file": "config.yaml",
            "resource_class": "small",
            "archive": _archive(),
        },
    )
    assert response.status_code == 302
    job = Job.objects.get(owner=alice)
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.submission.method == "from-the-form" and job.benchmark == "toy" and job.resource_class == "small"
    page = browser.get(response["Location"])
    assert page.status_code == 200 and b"from-the-form" in page.content and b'id="job-log"' in page.content


@pytest.mark.parametrize(
    "fields, field, text",
    [
        ({"method": "", "archive": "zip"}, "method", "required"),
        ({"method": "m"}, "archive", "No code uploaded"),
        ({"method": "m", "archive": "zip", "entrypoint": "run.py"}, "entrypoint", "not in the upload"),
        ({"method": "m", "archive": "zip", "entrypoint": "run.sh"}, "entrypoint", ".py"),
        ({"method": "m", "archive": "zip", "config_file": "other.yaml"}, "config_file", "not in the upload"),
        ({"method": "m", "archive": "zip", "resource_class": "huge"}, "resource_class", "huge"),
    ],
)
def test_each_error_is_shown_beside_its_field(browser, fields, field, text):
    data = {"entrypoint": "main.py", "config_file": "config.yaml", "resource_class": "small", **fields}
    if data.get("archive") == "zip":
        data["archive"] = _archive()
    response = browser.post("/benchmarks/toy/submit", data)
    assert response.status_code == 400
    assert text in _error_beside(response.content, field)
    assert not Job.objects.exists() and not Submission.objects.exists()


def test_a_folder_upload_keeps_its_paths(browser, alice):
    main = TOY_MAIN.replace("import argparse", "import helpers.util, argparse")
    parts = []
    for name, value in (
        ("method", "folder"),
        ("entrypoint", "main.py"),
        ("config_file", "config.yaml"),
        ("resource_class", "small"),
    ):
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for path, content in (
        ("main.py", main),
        ("config.yaml", "flip: 0\n"),
        ("helpers/util.py", "X = 1\n"),
        ("helpers/__init__.py", ""),
    ):
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{path}"\r\n'
            f"Content-Type: text/plain\r\n\r\n{content}\r\n".encode()
        )
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    response = browser.generic(
        "POST", "/benchmarks/toy/submit", body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 302, response.content[-2000:]
    paths = {entry["path"] for entry in Submission.objects.get(owner=alice).files}
    assert paths == {"main.py", "config.yaml", "helpers/util.py", "helpers/__init__.py"}


def test_the_form_checks_csrf(alice, prepared_toy):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/benchmarks/toy/submit", {"method": "m", "archive": _archive()})
    assert response.status_code == 403 and not Submission.objects.exists()
    page = browser.get("/benchmarks/toy/submit")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    ok = browser.post(
        "/benchmarks/toy/submit",
        {
            "csrfmiddlewaretoken": token,
            "method": "m",
            "entrypoint": "main.py",
            "config_file": "config.yaml",
            "resource_class": "small",
            "archive": _archive(),
        },
    )
    assert ok.status_code == 302


def test_the_form_needs_sign_in(client, db):
    response = client.get("/benchmarks/toy/submit")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unknown_benchmark_is_404(browser):
    assert browser.get("/benchmarks/nope/submit").status_code == 404
