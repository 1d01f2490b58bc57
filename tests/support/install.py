"""Prepare a fresh installation for a server a test starts: ``migrate``, ``bootstrap`` and ``issue_token``.

The same management commands ``make run`` runs, called in one interpreter: each ``manage.py`` start
costs about two seconds of CPU (Django, the apps, their libraries), and the suite prepares dozens of
installations.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PREPARE = """\
import io
import sys

import django

from config.startup import prepare_data_dir

prepare_data_dir()  # what manage.py does before any command
django.setup()
from django.core.management import call_command

call_command("migrate", interactive=False, verbosity=0)
call_command("bootstrap")
for username in sys.argv[1:]:
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    # issue_token prints the raw token alone on its last line.
    print("token:", out.getvalue().strip().splitlines()[-1])
"""


def prepare_installation(env: dict, *users: str, timeout: float = 300) -> list[str]:
    """Migrate and bootstrap the installation ``env`` describes (its DATABASE_URL, LB_DATA_DIR, settings
    module), then issue one API token per user in ``users``; returns the raw tokens, in that order."""
    result = subprocess.run(
        [sys.executable, "-c", _PREPARE, *users], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tokens = [line.removeprefix("token: ") for line in result.stdout.splitlines() if line.startswith("token: ")]
    assert len(tokens) == len(users), result.stdout[-3000:]
    return tokens
