"""A config whose keys MLflow would refuse as param names (or that is a YAML bomb) is the
submission's error at upload: a 400 naming the problem, nothing stored, never a job that
is scored and then fails as the platform's in recording."""

from __future__ import annotations

import pytest

from submissions.models import Submission
from tests.conftest import toy_files, upload


@pytest.mark.parametrize(
    "config, code, named",
    [
        pytest.param("bad key!: 1\n", "bad_config_key", "bad key!", id="bad-key"),
        pytest.param("model:\n  'lr$': 0.1\n", "bad_config_key", "model.lr$", id="bad-nested-key"),
        pytest.param("a: &x [1]\nb: *x\n", "config_alias", "alias", id="alias"),
        pytest.param("a: " + "[" * 40 + "]" * 40 + "\n", "config_too_deep", "deeper", id="deep"),
        # Digits that do not compress well (a 200:1 archive would be refused as a zip bomb first).
        pytest.param(
            "".join(f"k{i}: {i * 7919 % 100003}\n" for i in range(8000)), "config_too_large", "KiB", id="large"
        ),
    ],
)
def test_a_config_mlflow_would_refuse_is_a_400_at_upload(as_alice, alice, config, code, named):
    response = upload(as_alice, toy_files(config=config))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["error"] == code and named in body["detail"] and "config.yaml" in body["detail"]
    assert not Submission.objects.filter(owner=alice).exists()


def test_the_config_is_found_inside_a_zipped_folder(as_alice):
    files = {f"project/{name}": content for name, content in toy_files(config="bad key!: 1\n").items()}
    response = upload(as_alice, files)
    assert response.status_code == 400 and response.json()["error"] == "bad_config_key"


@pytest.mark.parametrize("config", ["flip: 0\nnested:\n  lr: 0.1\n", "[tool]\nname = 'a toml config'\n"])
def test_a_good_or_non_yaml_config_is_accepted(as_alice, config):
    assert upload(as_alice, toy_files(config=config)).status_code == 201


def test_a_method_name_with_control_characters_is_refused(as_alice):
    response = upload(as_alice, toy_files(), method="tab\tname\x01")
    assert response.status_code == 400 and response.json()["error"] == "bad_method"
