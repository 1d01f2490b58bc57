"""The browser submit form, parsed by Django as it is (CsrfViewMiddleware reads the body):
an upload over the limit is stopped while it streams and answered 413 beside the form,
with the CSRF check still enforced and nothing stored."""

from __future__ import annotations

import os
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from submissions.models import Submission
from tests.conftest import toy_files, zip_bytes


def _token(browser: Client) -> str:
    page = browser.get("/benchmarks/toy/submit")
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


def test_an_upload_over_the_limit_is_a_413_on_the_form(alice, prepared_toy, settings):
    settings.LB_UPLOAD_MAX_BYTES = 256 * 1024
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    big = zip_bytes(toy_files(extra={"data/noise.bin": os.urandom(600 * 1024)}))
    response = browser.post(
        "/benchmarks/toy/submit",
        {
            "csrfmiddlewaretoken": _token(browser),
            "method": "m",
            "entrypoint": "main.py",
            "config_file": "config.yaml",
            "resource_class": "small",
            "archive": SimpleUploadedFile("s.zip", big),
        },
    )
    assert response.status_code == 413
    archive_error = re.search(rb'data-for="archive"[^>]*>(.*?)</span>', response.content, re.S).group(1)
    assert b"exceeds the limit" in archive_error, archive_error
    assert not Submission.objects.exists()


def test_without_its_token_the_same_upload_is_refused_by_csrf(alice, prepared_toy):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/benchmarks/toy/submit", {"method": "m", "archive": SimpleUploadedFile("s.zip", b"PK")})
    assert response.status_code == 403 and not Submission.objects.exists()
