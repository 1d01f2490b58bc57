"""Every line the platform logs is one JSON object that says what caused it: the
request id of an HTTP request, the job id of a job a worker runs. The output is
read from the real handler the settings configure, not from caplog."""

from __future__ import annotations

import io
import json
import logging

import pytest

from jobs.runner import execute
from jobs.services import job_enqueue
from tests.conftest import toy_files


@pytest.fixture
def log_output():
    """Everything the root logger's configured handler writes, at INFO."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and h.filters]
    assert handlers, "settings.LOGGING configures a filtered stream handler on the root logger"
    buffer = io.StringIO()
    previous = [(h, h.setStream(buffer)) for h in handlers]
    level = root.level
    root.setLevel(logging.INFO)
    logging.getLogger("django.request").setLevel(logging.WARNING)  # 4xx lines too
    try:
        yield buffer
    finally:
        root.setLevel(level)
        logging.getLogger("django.request").setLevel(logging.ERROR)
        for handler, stream in previous:
            handler.setStream(stream)


def parsed(buffer: io.StringIO) -> list[dict]:
    lines = buffer.getvalue().splitlines()
    assert lines, "something was logged"
    return [json.loads(line) for line in lines]  # each line alone is one JSON object


def test_every_line_of_a_request_is_json_with_its_request_id(as_alice, log_output):
    as_alice.get("/api/benchmarks", HTTP_X_REQUEST_ID="trace-req-0001")
    as_alice.get("/api/jobs/not-a-uuid/status", HTTP_X_REQUEST_ID="trace-req-0002")  # a 404, logged as a warning
    lines = parsed(log_output)
    assert {line["request_id"] for line in lines} == {"trace-req-0001", "trace-req-0002"}
    access = [line for line in lines if line.get("event") == "http_request"]
    assert [(a["path"], a["status"]) for a in access] == [
        ("/api/benchmarks", 200),
        ("/api/jobs/not-a-uuid/status", 404),
    ]
    assert all({"time", "level", "name", "message"} <= set(line) for line in lines)


def test_every_line_of_a_worker_job_is_json_with_its_job_id(
    alice, as_alice, submit, prepared_toy, tracking, log_output, capsys
):
    response = submit(as_alice, toy_files())
    job, _ = job_enqueue(owner=alice, submission_id=response.json()["id"])
    log_output.seek(0)
    log_output.truncate()  # only what the worker logs
    capsys.readouterr()
    assert execute(str(job.pk)) == "completed"
    lines = parsed(log_output)
    assert {line["job_id"] for line in lines} == {str(job.pk)}
    assert all(line["request_id"] is None for line in lines)
    assert [line["event"] for line in lines if "event" in line] == ["job_claimed", "job_finished"]
    assert capsys.readouterr().out == ""  # nothing printed around the logs (e.g. MLflow's run links)
