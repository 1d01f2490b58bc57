"""Installing requirements.txt: downloaded by the worker, installed offline in the sandbox, cached per owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from deps_packages import build_wheel, deps_sandbox, install, layers, package_index  # noqa: F401 (fixtures)

from sandbox import ResourceClass, RunSpec, get_sandbox
from sandbox.deps import DependencyInstallError, ensure_requirements
from sandbox.deps_fetch import download_env, parse_requirements


@pytest.fixture
def submission(tmp_path: Path, package_index: Path) -> Path:
    code = tmp_path / "submission"
    code.mkdir()
    # Depends on numpy, which the platform already has: it must not be downloaded or installed again.
    build_wheel(package_index, "lbtinypkg", "0.1", requires=["numpy"])
    (code / "requirements.txt").write_text("lbtinypkg==0.1\n")
    return code


@pytest.mark.parametrize("backend", ["bubblewrap", "docker", "none"])
def test_install_then_cache_hit(backend, submission, deps_sandbox, tmp_path):
    cache = tmp_path / "deps-cache"
    deps = install(
        submission / "requirements.txt",
        cache=cache,
        owner="alice",
        sandbox=deps_sandbox(backend),
        log_path=tmp_path / "install.log",
    )
    assert deps is not None and (deps / "lbtinypkg" / "__init__.py").exists()
    assert not (deps / "numpy").exists(), "a platform package was installed again"
    first_log = (tmp_path / "install.log").read_text()
    assert "Successfully installed lbtinypkg-0.1" in first_log
    assert "without network" in first_log and "numpy" not in "".join(p.name for p in cache.rglob("*.whl"))

    again = install(
        submission / "requirements.txt",
        cache=cache,
        owner="alice",
        sandbox=deps_sandbox(backend),
        log_path=tmp_path / "again.log",
    )
    assert again == deps
    second_log = (tmp_path / "again.log").read_text()
    assert "cache hit" in second_log and "Successfully installed" not in second_log


def test_installed_package_is_importable_in_the_run(submission, deps_sandbox, tmp_path):
    deps = install(
        submission / "requirements.txt",
        cache=tmp_path / "cache",
        owner="alice",
        sandbox=deps_sandbox("bubblewrap"),
        log_path=tmp_path / "install.log",
    )
    (submission / "main.py").write_text("import lbtinypkg, numpy\nprint('tiny', lbtinypkg.VERSION)\n")
    spec = RunSpec(
        argv=["{python}", "main.py"],
        code_dir=submission,
        output_dir=tmp_path / "out",
        dataset_dir=None,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(deps)},
        resources=ResourceClass("t", 60, 1024, 1, 64, 10),
        extra_ro_dirs=[deps],
    )
    with open(tmp_path / "run.log", "ab") as log:
        outcome = get_sandbox("bubblewrap", debug=True).run(spec, log=log)
    assert outcome.kind == "ok", (tmp_path / "run.log").read_text()
    assert "tiny 0.1" in (tmp_path / "run.log").read_text()


def test_failure_names_the_cause(submission, deps_sandbox, tmp_path):
    (submission / "requirements.txt").write_text("lbtinypkg==9.9\n")
    with pytest.raises(DependencyInstallError) as error:
        install(
            submission / "requirements.txt",
            cache=tmp_path / "cache",
            owner="alice",
            sandbox=deps_sandbox("bubblewrap"),
            log_path=tmp_path / "install.log",
        )
    assert error.value.kind == "submission"
    assert "cannot install 'lbtinypkg'" in str(error.value)
    assert "lbtinypkg==9.9" in str(error.value)  # pip's own message
    assert not list((tmp_path / "cache").iterdir()), "a failed install left something in the cache"


def test_platform_packages_cannot_be_replaced(submission, package_index, deps_sandbox, tmp_path):
    (submission / "requirements.txt").write_text("numpy==0.1\n")
    build_wheel(package_index, "numpy", "0.1")
    with pytest.raises(DependencyInstallError, match="numpy") as error:
        install(
            submission / "requirements.txt",
            cache=tmp_path / "cache",
            owner="alice",
            sandbox=deps_sandbox("bubblewrap"),
            log_path=tmp_path / "install.log",
        )
    assert error.value.kind == "submission"
    assert layers(tmp_path / "cache") == []


def test_no_or_empty_requirements(tmp_path, deps_sandbox):
    (tmp_path / "requirements.txt").write_text("# nothing\n\n")
    with open(tmp_path / "log", "ab") as log:
        for path in (tmp_path / "requirements.txt", tmp_path / "missing.txt"):
            assert (
                ensure_requirements(
                    path, cache_root=tmp_path / "c", owner_key="alice", sandbox=deps_sandbox("bubblewrap"), log=log
                )
                is None
            )


@pytest.mark.parametrize(
    "line",
    [
        "--index-url http://127.0.0.1:6379/simple",
        "--extra-index-url=http://10.0.0.1/",
        "-f /",
        "-e .",
        "-r /etc/passwd",
        "-c /etc/passwd",
        "./localproject",
        "/abs/project",
        "lbtinypkg @ file:///etc/passwd",
        "lbtinypkg @ http://127.0.0.1:5000/x.whl",
        "lbtinypkg===${DJANGO_SECRET_KEY}",
        "lbtinypkg --global-option=x",
        "--trusted-host evil",
        "--pre",
    ],
)
def test_requirement_options_urls_and_paths_are_refused(line):
    with pytest.raises(DependencyInstallError, match="only package requirements") as error:
        parse_requirements(f"numpy\n{line}\n")
    assert error.value.kind == "submission"


def test_plain_requirements_are_kept():
    text = (
        "# comment\nlbtinypkg[extra]>=0.1,<1 ; python_version >= '3'  # why\n"
        "other==1.0 \\\n  --hash=sha256:" + "a" * 64 + "\n"
    )
    assert parse_requirements(text) == [
        'lbtinypkg[extra]<1,>=0.1; python_version >= "3"',
        "other==1.0 --hash=sha256:" + "a" * 64,
    ]


def test_requirements_cannot_make_the_worker_read_a_host_file(submission, deps_sandbox, tmp_path):
    """``-r FILE`` would have the worker's pip read a host file and quote it in the job's log."""
    secret = tmp_path / "hidden" / "gt.txt"
    secret.parent.mkdir()
    secret.write_text("GROUND-TRUTH-7f3a\n")
    (submission / "requirements.txt").write_text(f"lbtinypkg==0.1\n-r {secret}\n")
    with pytest.raises(DependencyInstallError):
        install(
            submission / "requirements.txt",
            cache=tmp_path / "cache",
            owner="alice",
            sandbox=deps_sandbox("bubblewrap"),
            log_path=tmp_path / "install.log",
        )
    log = (tmp_path / "install.log").read_text() if (tmp_path / "install.log").exists() else ""
    assert "GROUND-TRUTH-7f3a" not in log


def test_only_allowlisted_variables_reach_the_download(monkeypatch, tmp_path):
    monkeypatch.setenv("LB_TEST_CANARY", "canary-2b1e")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "not-for-pip")
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    env = download_env(["PIP_INDEX_URL", "SSL_CERT_FILE"], dict(__import__("os").environ), tmp_path)
    assert env["PIP_INDEX_URL"] == "https://mirror.example/simple"
    assert "LB_TEST_CANARY" not in env and "DJANGO_SECRET_KEY" not in env
    assert "canary-2b1e" not in "".join(env.values())
