"""The config's params, as read at upload, are kept with the submission (what /compare/ diffs)."""

from __future__ import annotations

from submissions.models import Submission
from tests.conftest import toy_files, upload


def test_upload_keeps_the_flattened_config_params(as_alice):
    response = upload(as_alice, toy_files(config="flip: 0\nmodel:\n  lr: 0.01\n  layers: [1, 2]\n"))
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.config == {"flip": 0, "model.lr": 0.01, "model.layers": "[1, 2]"}
