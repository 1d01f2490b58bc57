"""Importing MLflow after Django is set up leaves the project's JSON logging in charge: the
``huey`` logger still writes JSON lines at INFO (MLflow would give it a plain-text handler at
WARNING). A fresh interpreter, because this process has imported mlflow long ago."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import django, logging
django.setup()
import mlflow  # noqa: F401  (the import that used to take the huey logger over)
logging.getLogger("huey").info("consumer line %s", 1)
logging.getLogger("huey.consumer").info("child line")
"""


def test_the_huey_logger_writes_json_at_info_after_mlflow_is_imported(tmp_path):
    # "true" in the environment: settings must win over an inherited switch.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LB_DATA_DIR": str(tmp_path),
        "MLFLOW_CONFIGURE_LOGGING": "true",
        "LB_LOG_LEVEL": "INFO",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    by_message = {line["message"]: line for line in lines}
    assert by_message["consumer line 1"]["name"] == "huey" and by_message["consumer line 1"]["level"] == "INFO"
    assert by_message["child line"]["name"] == "huey.consumer"
    assert "consumer line" not in "".join(line for line in result.stderr.splitlines() if not line.startswith("{"))
