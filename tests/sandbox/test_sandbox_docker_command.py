"""The docker backend's command line and mount mapping (real containers: test_sandbox_hostile.py on podman)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from sandbox import ResourceClass, RunSpec, SandboxUnavailable, get_sandbox
from sandbox.docker import DockerSandbox, parse_path_map, path_map_from_mounts

MEDIUM = ResourceClass(
    name="medium", timeout_s=600, memory_mb=8192, cpus=2.5, max_procs=256, max_output_mb=2048, gpus=1
)


def _spec(tmp_path: Path, **changes) -> RunSpec:
    fields = dict(
        argv=["{python}", "main.py", "--output", "{output}"],
        code_dir=tmp_path / "code",
        output_dir=tmp_path / "out",
        dataset_dir=tmp_path / "data",
        env={"LB_DATASET_DIR": "{dataset}", "HOME": "{tmp}"},
        resources=MEDIUM,
    )
    fields.update(changes)
    return RunSpec(**fields)


def _flag_values(cmd: list[str], flag: str) -> list[str]:
    return [cmd[i + 1] for i, arg in enumerate(cmd) if arg == flag]


def test_policy_flags(tmp_path):
    sandbox = DockerSandbox(image="lb-worker:1", require_engine=False)
    cmd = sandbox.command(_spec(tmp_path), "lb-sandbox-x")
    assert cmd[:2] == ["docker", "run"]
    assert "--rm" not in cmd  # kept until its exit state (OOMKilled) is read, then removed
    assert "--read-only" in cmd
    assert _flag_values(cmd, "--network") == ["none"]
    assert _flag_values(cmd, "--user") == ["65534:65534"]
    assert _flag_values(cmd, "--cap-drop") == ["ALL"]
    assert _flag_values(cmd, "--memory") == ["8192m"]
    assert _flag_values(cmd, "--memory-swap") == ["8192m"]  # no swap beyond the limit
    assert _flag_values(cmd, "--cpus") == ["2.5"]
    assert _flag_values(cmd, "--pids-limit") == ["256"]
    assert f"fsize={2048 * 2**20}" in _flag_values(cmd, "--ulimit")
    assert any(v.startswith("/tmp:") and "size=2048m" in v for v in _flag_values(cmd, "--tmpfs"))
    assert "--gpus" not in cmd


def test_mounts_env_and_argv(tmp_path):
    cmd = DockerSandbox(image="lb-worker:1", require_engine=False).command(
        _spec(tmp_path, extra_ro_dirs=[tmp_path / "deps"]), "n"
    )
    mounts = _flag_values(cmd, "--mount")
    assert f"type=bind,source={tmp_path / 'code'},target=/sandbox/code,readonly" in mounts
    assert f"type=bind,source={tmp_path / 'out'},target=/sandbox/output" in mounts
    assert f"type=bind,source={tmp_path / 'data'},target=/sandbox/dataset,readonly" in mounts
    assert f"type=bind,source={tmp_path / 'deps'},target={tmp_path / 'deps'},readonly" in mounts
    assert sorted(_flag_values(cmd, "--env")) == ["HOME=/tmp", "LB_DATASET_DIR=/sandbox/dataset"]
    image_at = cmd.index("lb-worker:1")
    assert cmd[image_at + 1 :] == ["/opt/venv/bin/python", "main.py", "--output", "/sandbox/output"]


def test_gpu_and_network_for_install_step(tmp_path):
    sandbox = DockerSandbox(image="img", require_engine=False)
    cmd = sandbox.command(_spec(tmp_path, gpu_index=3, network=True), "n")
    assert _flag_values(cmd, "--gpus") == ["device=3"]
    assert "CUDA_VISIBLE_DEVICES=0" in _flag_values(cmd, "--env")
    assert _flag_values(cmd, "--network") == ["bridge"]


def test_host_path_translation(tmp_path):
    sandbox = DockerSandbox(image="img", require_engine=False, path_map=parse_path_map(f"{tmp_path}=/srv/lb/data"))
    cmd = sandbox.command(_spec(tmp_path), "n")
    assert "type=bind,source=/srv/lb/data/code,target=/sandbox/code,readonly" in _flag_values(cmd, "--mount")


def test_image_is_required(monkeypatch):
    monkeypatch.delenv("LB_SANDBOX_IMAGE", raising=False)
    with pytest.raises(SandboxUnavailable):
        get_sandbox("docker", debug=False, require_engine=False)


def test_engine_cli_and_global_flags_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LB_CONTAINER_CLI", "podman")
    monkeypatch.setenv("LB_CONTAINER_CLI_ARGS", "--runtime /usr/sbin/runc --cgroup-manager=cgroupfs")
    cmd = DockerSandbox(image="img", require_engine=False).command(_spec(tmp_path), "n")
    assert cmd[:5] == ["podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager=cgroupfs", "run"]


def test_worker_container_mounts_become_the_path_map(tmp_path):
    # `docker inspect --format '{{json .Mounts}}' <worker>` in a compose deployment.
    mounts = [
        {
            "Type": "volume",
            "Name": "lb_shared",
            "Source": "/var/lib/docker/volumes/lb_shared/_data",
            "Destination": "/shared",
            "RW": True,
        },
        {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"},
        {"Type": "tmpfs", "Destination": "/tmp"},
    ]
    path_map = path_map_from_mounts(mounts)
    assert path_map == {
        "/shared": "/var/lib/docker/volumes/lb_shared/_data",
        "/var/run/docker.sock": "/var/run/docker.sock",
    }
    sandbox = DockerSandbox(image="img", require_engine=False, path_map=path_map)
    assert sandbox.host_path(Path("/shared/jobs/7/code")) == "/var/lib/docker/volumes/lb_shared/_data/jobs/7/code"
    assert sandbox.host_path(Path("/sharedother/x")) == "/sharedother/x"


def test_path_map_from_a_real_engine_inspect(podman_sandbox, tmp_path):
    """The Mounts JSON the backend reads, as a real engine writes it for a container on a named volume."""
    engine = [podman_sandbox["cli"], *podman_sandbox["cli_args"]]
    volume, name = f"lb-test-{uuid.uuid4().hex[:8]}", f"lb-test-{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(
            [
                *engine,
                "create",
                "--name",
                name,
                "-v",
                f"{volume}:/shared",
                "-v",
                f"{tmp_path}:/extra:ro",
                podman_sandbox["image"],
                "true",
            ],
            check=True,
            capture_output=True,
        )
        inspected = subprocess.run(
            [*engine, "inspect", "--format", "{{json .Mounts}}", name], check=True, capture_output=True, text=True
        ).stdout
        volume_path = subprocess.run(
            [*engine, "volume", "inspect", "--format", "{{.Mountpoint}}", volume],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    finally:
        subprocess.run([*engine, "rm", "--force", name], capture_output=True)
        subprocess.run([*engine, "volume", "rm", "--force", volume], capture_output=True)
    path_map = path_map_from_mounts(json.loads(inspected))
    assert path_map == {"/shared": volume_path, "/extra": str(tmp_path)}
    sandbox = DockerSandbox(image="img", require_engine=False, path_map=path_map)
    assert sandbox.host_path(Path("/shared/jobs/7/code")) == f"{volume_path}/jobs/7/code"
