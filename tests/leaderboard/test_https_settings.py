"""DJANGO_SECURE=1 / LB_HTTPS=1: HSTS, https redirect, secure cookies; X-Forwarded-Proto only from a trusted proxy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(tmp_path, **extra) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECURE", "LB_HTTPS", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        LB_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="board.example.org",
        LB_BENCHMARKS="tests.support.toy:benchmarks",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("switch", ["DJANGO_SECURE", "LB_HTTPS"])
def test_check_deploy_is_clean_with_https_on(tmp_path, switch):
    done = _check_deploy(tmp_path, **{switch: "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_warns_without_it(tmp_path):
    done = _check_deploy(tmp_path)
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health(/|$)"]
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.LB_TRUSTED_PROXIES = ["10.0.0.5/32"]
    return settings


def test_plain_http_is_redirected_and_probes_are_not(client, db, https_on):
    response = client.get("/api/benchmarks", HTTP_HOST="testserver")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/benchmarks"
    assert client.get("/health/live").status_code == 200


def test_forwarded_proto_from_the_trusted_proxy_is_https(client, db, https_on):
    response = client.get("/api/benchmarks", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_forwarded_proto_from_anyone_else_is_ignored(client, db, https_on):
    response = client.get("/api/benchmarks", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
