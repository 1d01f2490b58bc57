"""The deployment files stay true to the code (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_has_every_service_and_redis_persists():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "proxy", "worker", "scheduler", "redis", "mlflow", "postgres"}
    assert "--appendonly yes" in services["redis"]["command"]
    # Workers push no periodic tasks; the one scheduler does (docs/fleet.md).
    assert services["worker"]["command"] == "python manage.py run_huey -n"
    assert services["scheduler"]["command"] == "python manage.py run_scheduler"
    remote = yaml.safe_load((ROOT / "docker-compose.worker.yml").read_text())["services"]
    assert set(remote) == {"worker"} and remote["worker"]["command"] == "python manage.py run_huey -n"
    assert services["worker"]["environment"]["LB_SANDBOX"] == "docker"
    assert services["worker"]["environment"]["LB_SANDBOX_IMAGE"] == "leaders-board-sandbox:latest"
    assert services["worker"]["runtime"] == "nvidia"
    assert "scripts/serve.sh" in services["web"]["command"]
    assert "ports" not in services["web"]  # clients come through the proxy only
    assert services["proxy"]["ports"] == ["${LB_PUBLISH:-127.0.0.1}:8000:80"]  # loopback by default
    assert (
        "./deploy/nginx-web.conf.template:/etc/nginx/templates/default.conf.template:ro" in services["proxy"]["volumes"]
    )
    for name in ("web", "worker"):
        assert "shared:/shared" in services[name]["volumes"]
        assert services[name]["environment"]["LB_DATA_DIR"] == "/shared"


def test_env_example_documents_every_setting_read_from_the_environment():
    settings_source = "".join(path.read_text() for path in sorted((ROOT / "config").glob("settings*.py")))
    read = set(re.findall(r'env_(?:str|bool|int|float|list|path)\(\s*"([A-Z0-9_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    missing = sorted(read - documented)
    assert not missing, f".env.example does not document: {missing}"


def test_readme_names_both_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
