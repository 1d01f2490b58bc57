"""Hostile packages in requirements.txt, under bubblewrap and under the docker backend (podman).

Each package is an sdist built locally whose in-tree build backend attacks
from ``build_wheel``; with ``LB_DEPS_ALLOW_SOURCE_BUILDS`` on, that build runs in
the sandbox's install step. Every backend also tries to leave a file at a host
path: it must never run on the worker (the download step executes nothing).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest
from deps_packages import build_sdist, build_wheel, deps_sandbox, install, layers, package_index  # noqa: F401

from sandbox import ResourceClass, RunSpec, SandboxUnavailable, get_sandbox
from sandbox.deps import DependencyInstallError, ensure_requirements
from sandbox.deps_fetch import DEFAULT_PASS_ENV

BACKENDS = ["bubblewrap", "docker"]
TINY = ResourceClass(name="tiny", timeout_s=30, memory_mb=256, cpus=1.0, max_procs=32, max_output_mb=1)


@pytest.fixture
def ran_marker(tmp_path: Path) -> Path:
    """Where a build backend running on the worker would leave a file (in the sandbox, /tmp is private)."""
    path = Path("/tmp") / f"lb-deps-ran-{secrets.token_hex(6)}"
    yield path
    path.unlink(missing_ok=True)


def requirements(tmp_path: Path, text: str) -> Path:
    code = tmp_path / f"code-{secrets.token_hex(3)}"
    code.mkdir()
    (code / "requirements.txt").write_text(text)
    return code / "requirements.txt"


def read_in_a_run(sandbox, site: Path, tmp_path: Path) -> str:
    """Everything a run given this layer (as the runner would mount it) can read in it."""
    code = tmp_path / "reader"
    code.mkdir(exist_ok=True)
    (code / "main.py").write_text(
        "import os, sys\n"
        "for top in sys.argv[1:]:\n"
        "    for folder, _, files in os.walk(top):\n"
        "        for name in files:\n"
        "            print(open(os.path.join(folder, name), errors='replace').read())\n"
    )
    # The layer's path, and where a link in it points (the attacker chose that target).
    spec = RunSpec(
        argv=["{python}", "main.py", str(site), os.path.realpath(site)],
        code_dir=code,
        output_dir=tmp_path / "reader-out",
        dataset_dir=None,
        env={"PATH": "/usr/bin:/bin"},
        resources=TINY,
        extra_ro_dirs=[site],
    )
    with open(tmp_path / "reader.log", "ab") as log:
        sandbox.run(spec, log=log)
    return (tmp_path / "reader.log").read_text(errors="replace")


SYMLINK_SITE_PACKAGES = textwrap.dedent("""
    os.makedirs(TARGET, exist_ok=True)  # in the sandbox's private /tmp, so pip can install "into" it
    os.makedirs(os.path.dirname(PURELIB), exist_ok=True)
    if not os.path.islink(PURELIB):
        os.symlink(TARGET, PURELIB)
""")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", ["hidden", "host_tmp"])
def test_site_packages_replaced_by_a_symlink_is_refused(
    backend, target, workspace, package_index, deps_sandbox, ran_marker, tmp_path
):
    host_tmp = Path("/tmp") / f"lb-deps-host-{secrets.token_hex(6)}"
    host_tmp.mkdir()
    (host_tmp / "secret.txt").write_text("HOST-TMP-SECRET")
    try:
        folder = workspace.hidden_file.parent if target == "hidden" else host_tmp
        build_sdist(
            package_index,
            "linkpkg",
            "1.0",
            ran_marker=str(ran_marker),
            body=f"TARGET = {str(folder)!r}\n" + SYMLINK_SITE_PACKAGES,
        )
        cache = workspace.data_dir / "envs"
        site, refused = None, None
        try:
            site = install(
                requirements(tmp_path, "linkpkg\n"),
                cache=cache,
                owner="mallory",
                sandbox=deps_sandbox(backend),
                log_path=workspace.log_path,
                allow_source_builds=True,
            )
        except DependencyInstallError as exc:
            refused = exc
        if site is not None:  # what a run with this layer would read
            seen = read_in_a_run(deps_sandbox(backend), site, tmp_path)
            assert workspace.token not in seen and "HOST-TMP-SECRET" not in seen, "the run saw the link's target"
        assert refused is not None and "symlink pointing outside" in str(refused), "the layer was not refused"
        assert refused.kind == "submission"
        assert "Successfully installed linkpkg" in workspace.log_text(), "the attack did not get as far as a layer"
        assert layers(cache) == [], "a refused layer was kept"
        assert not list(cache.glob(".work-*")), "the refused layer was not deleted"
        assert not ran_marker.exists(), "the build backend ran on the worker"
        assert sorted(os.listdir(folder)) == sorted(
            [workspace.hidden_file.name] if target == "hidden" else ["secret.txt"]
        )
    finally:
        for leftover in host_tmp.iterdir():
            leftover.unlink()
        host_tmp.rmdir()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_planted_marker_symlink_changes_no_host_file(backend, package_index, deps_sandbox, ran_marker, tmp_path):
    victim = Path("/tmp") / f"lb-deps-victim-{secrets.token_hex(6)}"
    victim.write_text("ORIGINAL")
    try:
        body = f"""
            os.makedirs(PREFIX, exist_ok=True)
            for name in (".lb-complete", "COMPLETE", ".complete"):
                if not os.path.lexists(os.path.join(PREFIX, name)):
                    os.symlink({str(victim)!r}, os.path.join(PREFIX, name))
        """
        build_sdist(package_index, "markerpkg", "1.0", body=body, ran_marker=str(ran_marker))
        cache = tmp_path / "cache"
        refused = None
        try:
            install(
                requirements(tmp_path, "markerpkg\n"),
                cache=cache,
                owner="mallory",
                sandbox=deps_sandbox(backend),
                log_path=tmp_path / "install.log",
                allow_source_builds=True,
            )
        except DependencyInstallError as exc:
            refused = exc
        assert victim.read_text() == "ORIGINAL", "the marker was written through the planted link"
        assert refused is not None and "symlink" in str(refused)
        assert layers(cache) == []
        assert not ran_marker.exists()
    finally:
        victim.unlink()


@pytest.mark.parametrize("backend", BACKENDS)
def test_owners_with_identical_requirements_never_share_installed_files(backend, package_index, deps_sandbox, tmp_path):
    build_wheel(package_index, "lbtinypkg", "0.1")
    cache = tmp_path / "cache"
    alice = install(
        requirements(tmp_path, "lbtinypkg==0.1\n"),
        cache=cache,
        owner="alice",
        sandbox=deps_sandbox(backend),
        log_path=tmp_path / "alice.log",
    )
    # What alice's install could have left behind (a build backend writes anywhere in its prefix).
    (alice / "sitecustomize.py").write_text("print('ALICE WAS HERE')\n")
    bob = install(
        requirements(tmp_path, "lbtinypkg==0.1\n"),
        cache=cache,
        owner="bob",
        sandbox=deps_sandbox(backend),
        log_path=tmp_path / "bob.log",
    )
    assert bob != alice and os.path.commonpath([alice, bob]) == str(cache.resolve())
    assert not (bob / "sitecustomize.py").exists()
    assert "cache hit" not in (tmp_path / "bob.log").read_text()
    assert "Successfully installed lbtinypkg-0.1" in (tmp_path / "bob.log").read_text()


PROBE = textwrap.dedent("""
    results = {}
    for host in ["127.0.0.1", _gateway()]:
        if host is None:
            continue
        try:
            socket.create_connection((host, PORT), timeout=3).close()
            results[host] = "connected"
        except OSError as exc:
            results[host] = repr(exc)
    return {"probe_evidence.json": json.dumps({"connect": results, "env": dict(os.environ)})}
""")


@pytest.mark.parametrize("backend", BACKENDS)
def test_install_step_has_no_network_and_none_of_the_workers_environment(
    backend, package_index, deps_sandbox, ran_marker, monkeypatch, tmp_path
):
    monkeypatch.setenv("LB_TEST_CANARY", "canary-9d1c")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "secret-key-9d1c")
    monkeypatch.setenv("PIP_INDEX_URL", "https://user:token-9d1c@mirror.invalid/simple")  # allowed, download only
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))  # the host's loopback and the container bridge's gateway
    listener.listen(8)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0].getpeername())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        build_sdist(
            package_index,
            "probepkg",
            "1.0",
            ran_marker=str(ran_marker),
            body=f"PORT = {listener.getsockname()[1]}\n" + PROBE,
        )
        site = install(
            requirements(tmp_path, "probepkg\n"),
            cache=tmp_path / "cache",
            owner="mallory",
            sandbox=deps_sandbox(backend),
            log_path=tmp_path / "install.log",
            allow_source_builds=True,
        )
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
        listener.close()
    evidence = json.loads((site / "probe_evidence.json").read_text())
    assert accepted == [], f"the install step reached a host listener: {accepted}"
    assert evidence["connect"] and all(result != "connected" for result in evidence["connect"].values())
    seen = json.dumps(evidence["env"])
    for value in ("canary-9d1c", "secret-key-9d1c", "token-9d1c", str(package_index)):
        assert value not in seen, f"{value} reached the sandboxed install"
    assert not set(evidence["env"]) & (
        {"LB_TEST_CANARY", "DJANGO_SECRET_KEY"} | set(DEFAULT_PASS_ENV) - {"PIP_CONFIG_FILE"}
    )
    assert not ran_marker.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_package_without_a_wheel_fails_naming_it(backend, package_index, deps_sandbox, ran_marker, tmp_path):
    build_wheel(package_index, "lbtinypkg", "0.1")
    build_sdist(package_index, "sourceonly", "1.0", ran_marker=str(ran_marker))
    with pytest.raises(DependencyInstallError) as error:
        install(
            requirements(tmp_path, "lbtinypkg==0.1\nsourceonly>=1\n"),
            cache=tmp_path / "cache",
            owner="alice",
            sandbox=deps_sandbox(backend),
            log_path=tmp_path / "install.log",
        )
    assert error.value.kind == "submission"
    assert "cannot install 'sourceonly'" in str(error.value) and "no wheel" in str(error.value)
    assert "LB_DEPS_ALLOW_SOURCE_BUILDS" in str(error.value)
    assert not ran_marker.exists(), "the sdist's build backend ran on the worker"
    assert layers(tmp_path / "cache") == []


def test_source_builds_run_in_the_sandbox_only(package_index, deps_sandbox, ran_marker, tmp_path):
    """With source builds on, the sdist is fetched unprepared and built in the sandbox (its
    marker lands in the sandbox's private /tmp, not on the worker)."""
    build_sdist(package_index, "sourceonly", "1.0", ran_marker=str(ran_marker))
    site = install(
        requirements(tmp_path, "sourceonly>=1\n"),
        cache=tmp_path / "cache",
        owner="alice",
        sandbox=deps_sandbox("bubblewrap"),
        log_path=tmp_path / "install.log",
        allow_source_builds=True,
    )
    assert (site / "sourceonly" / "__init__.py").exists()
    assert "Successfully installed sourceonly-1.0" in (tmp_path / "install.log").read_text()
    assert not ran_marker.exists()


def test_least_recently_used_layers_are_evicted_past_the_cap(package_index, deps_sandbox, tmp_path):
    build_wheel(package_index, "lbtinypkg", "0.1")
    cache, sandbox = tmp_path / "cache", deps_sandbox("bubblewrap")

    def layer_for(owner: str, cap_gb: float | None) -> Path:
        return install(
            requirements(tmp_path, "lbtinypkg==0.1\n"),
            cache=cache,
            owner=owner,
            sandbox=sandbox,
            log_path=tmp_path / f"{owner}.log",
            cache_max_gb=cap_gb,
        ).parents[2]

    first = layer_for("a", None)
    size = json.loads(first.with_name(first.name + ".complete").read_text())["bytes"]
    assert size > 0
    cap_gb = 2.5 * size / 2**30  # room for two layers
    second = layer_for("b", cap_gb)
    assert first.exists() and second.exists()
    third = layer_for("c", cap_gb)
    assert not first.exists() and second.exists() and third.exists(), "the oldest layer should have gone"
    time.sleep(0.05)
    assert layer_for("b", cap_gb) == second  # a hit: b is now the most recently used
    assert "cache hit" in (tmp_path / "b.log").read_text()
    fourth = layer_for("d", cap_gb)
    assert second.exists() and fourth.exists() and not third.exists(), "the least recently used was c"
    assert len(layers(cache)) == 4  # two layers, two markers
    tiny = layer_for("e", 1e-12)  # never evicts the layer the current job uses
    assert tiny.exists() and len(layers(cache)) == 2


def test_none_backend_is_refused_for_the_install_outside_debug(package_index, tmp_path):
    build_wheel(package_index, "lbtinypkg", "0.1")
    with open(tmp_path / "install.log", "ab") as log, pytest.raises(SandboxUnavailable, match="DEBUG"):
        ensure_requirements(
            requirements(tmp_path, "lbtinypkg==0.1\n"),
            cache_root=tmp_path / "cache",
            owner_key="alice",
            sandbox=get_sandbox("none", debug=True),
            log=log,
            debug=False,
        )
    assert not (tmp_path / "cache").exists(), "something was downloaded or installed"
