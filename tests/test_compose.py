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
    command = " ".join(_interpolate(mlflow["command"], PASSWORDS).split())
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


# --- Safe defaults (issue 29): every test below resolves the files as compose would, -------
# interpolating ${VAR}, ${VAR:-default} and ${VAR:?error} after parsing.

FILES = ("docker-compose.yml", "docker-compose.worker.yml")
PASSWORDS = {
    "POSTGRES_PASSWORD": "pg-Secret-1",
    "REDIS_PASSWORD": "redis-Secret-2",
    "DJANGO_SECRET_KEY": "django-Secret-3",
}
WORKER_ENV = {
    "DATABASE_URL": "postgres://leaders:pg-Secret-1@main:5432/leaders_board",
    "REDIS_URL": "redis://:redis-Secret-2@main:6379/0",
    "MLFLOW_TRACKING_URI": "http://main:5000",
    "LB_SHARED_DIR": "/srv/lb",
    "DJANGO_SECRET_KEY": "django-Secret-3",
}
REQUIRED = re.compile(r"\$\{([A-Z_][A-Z0-9_]*):?\?[^}]*\}")


class Unset(Exception):
    """A ${VAR:?message} whose variable is not set: compose refuses to start."""


def _interpolate(text: str, env: dict) -> str:
    def one(match: re.Match) -> str:
        name, op, arg = re.fullmatch(r"([A-Z_][A-Z0-9_]*)(?:(:?[-?])(.*))?", match.group(1), re.S).groups()
        value = env.get(name)
        missing = value is None or (value == "" and op and op.startswith(":"))
        if op and op.endswith("?") and missing:
            raise Unset(name)
        if op and op.endswith("-") and missing:
            return arg
        return value or ""

    return re.sub(r"\$\$", "$", INTERPOLATION.sub(one, text)) if "$$" in text else INTERPOLATION.sub(one, text)


def _resolve(node, env: dict):
    if isinstance(node, str):
        return _interpolate(node, env)
    if isinstance(node, list):
        return [_resolve(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _resolve(value, env) for key, value in node.items()}
    return node


def _resolved(name: str, env: dict) -> dict:
    return _resolve(yaml.safe_load((ROOT / name).read_text()), env)


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)


def _published(entry) -> tuple[str, str]:
    """A ``ports`` entry → (host address, host port); no address means every interface."""
    if isinstance(entry, dict):
        return entry.get("host_ip", "0.0.0.0"), str(entry.get("published", ""))
    parts = str(entry).rsplit(":", 2)
    return (parts[0] if len(parts) == 3 else "0.0.0.0"), parts[-2] if len(parts) > 1 else parts[0]


def test_ports_are_published_on_loopback_unless_lb_publish_says_otherwise():
    published = []
    for name, env in (("docker-compose.yml", PASSWORDS), ("docker-compose.worker.yml", WORKER_ENV)):
        for service, spec in _resolved(name, env)["services"].items():
            published += [(name, service, *_published(entry)) for entry in spec.get("ports", [])]
    assert published == [("docker-compose.yml", "proxy", "127.0.0.1", "8000")]
    proxy = _resolved("docker-compose.yml", {**PASSWORDS, "LB_PUBLISH": "0.0.0.0"})["services"]["proxy"]
    assert [_published(entry) for entry in proxy["ports"]] == [("0.0.0.0", "8000")]


def test_compose_refuses_to_start_without_each_password():
    _resolved("docker-compose.yml", PASSWORDS)  # all set: resolves
    for name in PASSWORDS:
        with pytest.raises(Unset, match=name):
            _resolved("docker-compose.yml", {k: v for k, v in PASSWORDS.items() if k != name})
        with pytest.raises(Unset, match=name):  # an empty value is refused too (${VAR:?})
            _resolved("docker-compose.yml", {**PASSWORDS, name: ""})


def test_no_password_is_written_in_the_files():
    """Every secret-looking value, and the password part of every URL, is a required
    interpolation (${VAR:?...}): nothing to copy from the repository, no shared default."""
    for name in FILES:
        compose = yaml.safe_load((ROOT / name).read_text())
        for service, spec in compose["services"].items():
            env = spec.get("environment", {})
            assert isinstance(env, dict), (name, service, "environment as a mapping")
            for key, value in env.items():
                if re.search(r"PASSWORD|SECRET|TOKEN|_KEY$|_AUTH$", key):
                    assert REQUIRED.fullmatch(str(value)), (name, service, key, value)
        for text in _strings(compose):
            for userinfo in re.findall(r"[a-z+]+://([^@/\s]*)@", text):
                password = userinfo.partition(":")[2]
                assert REQUIRED.fullmatch(password), (name, userinfo)
            for flag in re.findall(r"--(?:requirepass|password)[ =](\"?\$\{[^}]*\}\"?|\S+)", text):
                assert REQUIRED.fullmatch(flag.strip("\"'")), (name, flag)


def test_redis_asks_for_its_password_and_every_client_sends_it():
    services = _resolved("docker-compose.yml", PASSWORDS)["services"]
    redis = services["redis"]
    assert "--appendonly yes" in redis["command"]
    assert re.search(r'--requirepass "?redis-Secret-2"?(\s|$)', redis["command"]), redis["command"]
    assert redis["environment"]["REDISCLI_AUTH"] == "redis-Secret-2"  # the health check authenticates
    clients = {
        name: spec["environment"]["REDIS_URL"]
        for name, spec in services.items()
        if "REDIS_URL" in spec.get("environment", {})
    }
    assert set(clients) == {"web", "worker", "scheduler"}
    for url in clients.values():
        assert url.startswith("redis://:redis-Secret-2@redis:6379/"), url


def test_postgres_password_comes_from_env_and_reaches_every_client():
    services = _resolved("docker-compose.yml", PASSWORDS)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pg-Secret-1"
    for name in ("web", "worker"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://leaders:pg-Secret-1@postgres:")
    assert "postgresql+psycopg://leaders:pg-Secret-1@postgres:5432/mlflow" in services["mlflow"]["command"]


def test_mlflow_is_internal_or_behind_its_basic_auth():
    for name, env in (("docker-compose.yml", PASSWORDS), ("docker-compose.worker.yml", WORKER_ENV)):
        for service, spec in _resolved(name, env)["services"].items():
            command = spec.get("command", "")
            command = " ".join(command) if isinstance(command, list) else command
            if "mlflow server" in command:
                assert "--app-name basic-auth" in command or not spec.get("ports"), (name, service)
                assert "--host 0.0.0.0" not in command or not spec.get("ports"), (name, service)


def test_the_fleet_worker_runs_submissions_in_the_sandbox_image_the_main_stack_uses():
    main = _resolved("docker-compose.yml", PASSWORDS)["services"]
    fleet = _resolved("docker-compose.worker.yml", WORKER_ENV)["services"]
    sandbox_image = fleet["worker"]["environment"]["LB_SANDBOX_IMAGE"]
    assert sandbox_image == main["worker"]["environment"]["LB_SANDBOX_IMAGE"] == "leaders-board-sandbox:latest"
    app_images = {spec.get("image") for spec in [*main.values(), *fleet.values()]}
    assert sandbox_image not in app_images
    images_sh = (ROOT / "scripts" / "images.sh").read_text()
    assert 'sandbox_tag="${LB_SANDBOX_IMAGE:-leaders-board-sandbox:latest}"' in images_sh
    assert re.search(r'--target sandbox -t "\$sandbox_tag"', images_sh)
    assert fleet["worker"]["build"]["target"] == "app"


def test_env_example_documents_the_compose_passwords_and_lb_publish():
    text = (ROOT / ".env.example").read_text()
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "LB_PUBLISH", "DJANGO_SECRET_KEY"):
        assert re.search(rf"^#?\s*{name}=", text, re.MULTILINE), name
