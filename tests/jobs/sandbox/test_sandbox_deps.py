"""Installing requirements.txt in its own sandboxed step, cached by the file's hash."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from jobs.sandbox import ResourceClass, RunSpec, get_sandbox
from jobs.sandbox.deps import DependencyInstallError, ensure_requirements


def build_wheel(folder: Path, name: str, version: str, *, requires: list[str] = ()) -> Path:
    """A minimal pure-Python wheel, written by hand so the test needs no network or build backend."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\n"
                                 f"Name: {name}\nVersion: {version}\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    code = tmp_path / "submission"
    (code / "wheels").mkdir(parents=True)
    # Depends on numpy, which the platform already has: it must not be reinstalled.
    build_wheel(code / "wheels", "lbtinypkg", "0.1", requires=["numpy"])
    (code / "requirements.txt").write_text("--no-index\n--find-links wheels\nlbtinypkg==0.1\n")
    return code


@pytest.mark.parametrize("backend", ["bubblewrap", "none"])
def test_install_then_cache_hit(backend, submission, tmp_path):
    cache = tmp_path / "deps-cache"
    with open(tmp_path / "install.log", "ab") as log:
        deps = ensure_requirements(submission / "requirements.txt", cache_root=cache, sandbox_name=backend,
                                   log=log, timeout_s=120)
    assert deps is not None and (deps / "lbtinypkg" / "__init__.py").exists()
    assert not (deps / "numpy").exists(), "a platform package was installed again"
    first_log = (tmp_path / "install.log").read_text()
    assert "Successfully installed lbtinypkg-0.1" in first_log

    with open(tmp_path / "again.log", "ab") as log:
        again = ensure_requirements(submission / "requirements.txt", cache_root=cache, sandbox_name=backend,
                                    log=log)
    assert again == deps
    second_log = (tmp_path / "again.log").read_text()
    assert "cache hit" in second_log and "Successfully installed" not in second_log


def test_installed_package_is_importable_in_the_run(submission, tmp_path):
    with open(tmp_path / "install.log", "ab") as log:
        deps = ensure_requirements(submission / "requirements.txt", cache_root=tmp_path / "cache",
                                   sandbox_name="bubblewrap", log=log, timeout_s=120)
    (submission / "main.py").write_text("import lbtinypkg, numpy\nprint('tiny', lbtinypkg.VERSION)\n")
    spec = RunSpec(argv=["{python}", "main.py"], code_dir=submission, output_dir=tmp_path / "out",
                   dataset_dir=None, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(deps)},
                   resources=ResourceClass("t", 60, 1024, 1, 64, 10), extra_ro_dirs=[deps])
    with open(tmp_path / "run.log", "ab") as log:
        outcome = get_sandbox("bubblewrap", debug=True).run(spec, log=log)
    assert outcome.kind == "ok", (tmp_path / "run.log").read_text()
    assert "tiny 0.1" in (tmp_path / "run.log").read_text()


def test_failure_names_the_cause(submission, tmp_path):
    (submission / "requirements.txt").write_text("--no-index\n--find-links wheels\nlbtinypkg==9.9\n")
    with open(tmp_path / "install.log", "ab") as log, pytest.raises(DependencyInstallError) as error:
        ensure_requirements(submission / "requirements.txt", cache_root=tmp_path / "cache",
                            sandbox_name="bubblewrap", log=log, timeout_s=120)
    assert "exit code 1" in str(error.value)
    assert "lbtinypkg==9.9" in str(error.value)  # pip's own message, from the log tail
    assert not list((tmp_path / "cache").iterdir()), "a failed install left something in the cache"


def test_platform_packages_cannot_be_replaced(submission, tmp_path):
    (submission / "requirements.txt").write_text("--no-index\n--find-links wheels\nnumpy==0.1\n")
    build_wheel(submission / "wheels", "numpy", "0.1")
    with open(tmp_path / "install.log", "ab") as log, pytest.raises(DependencyInstallError, match="ResolutionImpossible"):
        ensure_requirements(submission / "requirements.txt", cache_root=tmp_path / "cache",
                            sandbox_name="bubblewrap", log=log, timeout_s=120)


def test_no_or_empty_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("# nothing\n\n")
    with open(tmp_path / "log", "ab") as log:
        assert ensure_requirements(tmp_path / "requirements.txt", cache_root=tmp_path / "c",
                                   sandbox_name="bubblewrap", log=log) is None
        assert ensure_requirements(tmp_path / "missing.txt", cache_root=tmp_path / "c",
                                   sandbox_name="bubblewrap", log=log) is None
