"""docker-compose.remote-worker.yml: a GPU host with only a URL and a worker token."""

from __future__ import annotations

import pytest

from tests.test_compose import Unset, _resolved

NAME = "docker-compose.remote-worker.yml"
ENV = {"LB_URL": "https://board.example", "LB_WORKER_TOKEN": "lbw_0123456789ab_secret-secret-secret"}
SECRETS = ("DATABASE_URL", "REDIS_URL", "LB_DATA_DIR", "MLFLOW", "SECRET_KEY", "SEED", "PASSWORD")


def test_the_remote_worker_holds_no_platform_secret():
    (service,) = _resolved(NAME, ENV)["services"].values()
    environment = service["environment"]
    assert [key for key in environment if any(secret in key for secret in SECRETS)] == []
    assert not any(":/shared" in volume or "LB_SHARED" in volume for volume in service["volumes"])
    assert environment["LB_SANDBOX"] == "docker" and environment["LB_SANDBOX_IMAGE"] != service["image"]
    assert service["command"] == "python -m lb_cli.worker"


@pytest.mark.parametrize("name", sorted(ENV))
def test_it_refuses_to_start_without_the_url_or_the_token(name):
    with pytest.raises(Unset):
        _resolved(NAME, {k: v for k, v in ENV.items() if k != name})
