"""schemathesis against the live server's own schema, with a valid token: no 5xx,
and every response matches the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import SUITE_QUEUE

pytestmark = pytest.mark.slow


# The suite's own deployment: PostgreSQL + Redis in pass 1, the embedded SQLite default in pass 2.
@pytest.mark.parametrize("stack", [SUITE_QUEUE], indirect=True)
def test_schemathesis_finds_no_server_errors(stack, tmp_path):
    submission = stack.submit({"main.py": "", "config.yaml": ""})
    stack.enqueue(submission)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{stack.url}/api/schema/",
            "-H",
            f"Authorization: Bearer {stack.token}",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            "--seed",
            "1",
            # One worker: with two threads, schemathesis's coverage phase failed once with CPython 3.11's
            # "SystemError: AST constructor recursion depth mismatch" (a count shared by threads; cpython#106905).
            "--workers",
            "1",
            "--request-timeout",
            "30",
            # Training runs and policy uploads start real work; they have their own tests.
            "--exclude-path-regex",
            "^/api/training/",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
