"""Without DJANGO_SECRET_KEY every process signs with its installation's own key
(LB_DATA_DIR/secret-key, 0600, made at run time), never the key in the source;
`check --deploy` still demands DJANGO_SECRET_KEY."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core import signing

ROOT = Path(__file__).resolve().parents[2]
SOURCE_KEY = "dev-only-insecure-key-change-me"  # config/settings.py's fallback


def _env(data_dir: Path, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    }
    env.update(
        LB_DATA_DIR=str(data_dir),
        LB_BENCHMARKS="tests.support.toy:benchmarks",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


def _python(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(data_dir, **extra), capture_output=True, text=True, timeout=120
    )


def _key_of_manage_py(data_dir: Path) -> str:
    done = _python(data_dir, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_fresh_data_dir_gets_its_own_0600_key_that_manage_py_uses(tmp_path):
    data_dir = tmp_path / "data"
    key = _key_of_manage_py(data_dir)
    key_file = data_dir / "secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key == key_file.read_text().strip()
    assert key != SOURCE_KEY and SOURCE_KEY not in key_file.read_text()
    assert len(key) >= 50
    assert _key_of_manage_py(data_dir) == key  # the next process (a restart, the worker) reads the same key


def test_two_installations_get_different_keys(tmp_path):
    assert _key_of_manage_py(tmp_path / "one") != _key_of_manage_py(tmp_path / "two")


def test_the_web_tier_signs_with_the_installation_key(tmp_path):
    """What gunicorn loads (config.wsgi) signs links with the file's key on an installation's first start."""
    data_dir = tmp_path / "data"
    done = _python(
        data_dir,
        "-c",
        "import config.wsgi; from django.core import signing; print(signing.dumps('reset alice', salt='t'))",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    token = done.stdout.strip().splitlines()[-1]
    key = (data_dir / "secret-key").read_text().strip()
    assert signing.loads(token, key=key, salt="t") == "reset alice"
    try:
        signing.loads(token, key=SOURCE_KEY, salt="t")
    except signing.BadSignature:
        pass
    else:
        raise AssertionError("the link was signed with the key in the source")


def test_importing_settings_writes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    done = _python(data_dir, "-c", "import config.settings as s; print(s.SECRET_KEY)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not data_dir.exists()


def test_a_key_from_the_environment_wins_and_no_file_is_made(tmp_path):
    data_dir = tmp_path / "data"
    done = _python(
        data_dir,
        "manage.py",
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        DJANGO_SECRET_KEY="k" * 60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "k" * 60
    assert not (data_dir / "secret-key").exists()


def test_check_deploy_fails_without_django_secret_key(tmp_path):
    data_dir = tmp_path / "data"
    done = _python(data_dir, "manage.py", "check", "--deploy", DJANGO_ALLOWED_HOSTS="board.example.org")
    assert done.returncode != 0
    assert "lb.E001" in done.stderr and "DJANGO_SECRET_KEY" in done.stderr
    with_key = _python(
        data_dir,
        "manage.py",
        "check",
        "--deploy",
        DJANGO_ALLOWED_HOSTS="board.example.org",
        DJANGO_SECRET_KEY="k" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
    )
    assert "lb.E001" not in with_key.stderr
