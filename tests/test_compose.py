"""docker-compose.yml holds what an operator must be able to trust.

No compose tool with a `config` command exists on these machines (Debian's
podman-compose 1.0 has none), so the file is checked at the YAML level: it
parses with anchors merged, references resolve, interpolations are well
formed, and the deployment invariants hold on the parsed file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _volume_names(service: dict) -> list[str]:
    names = []
    for entry in service.get("volumes", []):
        source = entry.split(":", 1)[0] if isinstance(entry, str) else entry.get("source", "")
        if source and not source.startswith(("/", ".", "~", "$")):
            names.append(source)
    return names


def test_the_file_is_well_formed(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    for expression in INTERPOLATION.findall(text):
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?", expression), expression
    services = compose["services"]
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for volume in _volume_names(service):
            assert volume in compose["volumes"], (name, volume)
        for mounted in (entry.split(":")[0] for entry in service.get("volumes", []) if isinstance(entry, str)):
            if mounted.startswith("./"):
                assert (ROOT / mounted).exists(), mounted


def test_the_worker_has_the_cli_and_the_engine_socket(compose):
    worker = compose["services"]["worker"]
    env = worker["environment"]
    assert env["LB_SANDBOX"] == "docker"
    assert env["LB_CONTAINER_CLI"] == "docker"
    assert "/var/run/docker.sock:/var/run/docker.sock" in worker["volumes"]
    assert worker["group_add"], "the unprivileged worker needs the socket's group"
    assert "LB_DOCKER_PATH_MAP" not in env  # mounts are mapped through the worker's own, no hand-set map
    dockerfile = (ROOT / "Dockerfile").read_text()
    app_stage = dockerfile.split("AS app", 1)[1]
    assert re.search(r"apt-get install[^\n]*\bdocker\.io\b", app_stage), "the app image carries the docker CLI"


def test_the_sandbox_image_is_not_the_app_image(compose):
    services = compose["services"]
    sandbox_image = services["worker"]["environment"]["LB_SANDBOX_IMAGE"]
    app_images = {service.get("image") for service in services.values()}
    assert sandbox_image == "leaders-board-sandbox:latest"
    assert sandbox_image not in app_images
    assert services["worker"]["build"]["target"] == "app"


def test_mlflow_is_internal_on_postgres_with_artifacts_on_the_shared_volume(compose):
    mlflow = compose["services"]["mlflow"]
    assert "ports" not in mlflow
    command = " ".join(mlflow["command"].split())
    assert re.search(r"--backend-store-uri postgresql(\+\w+)?://[^ ]*@postgres:5432/mlflow\b", command)
    assert "sqlite" not in command
    assert "--artifacts-destination /shared/" in command and "shared:/shared" in mlflow["volumes"]
    assert mlflow["depends_on"]["postgres"]["condition"] == "service_healthy"
    init = [v for v in compose["services"]["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init and "CREATE DATABASE mlflow" in (ROOT / init[0].split(":")[0]).read_text()
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert "mlflow" not in published and "postgres" not in published and "redis" not in published


def test_web_health_check_is_liveness(compose):
    web = compose["services"]["web"]
    assert web["healthcheck"]["test"][-1].endswith("/health/live")
