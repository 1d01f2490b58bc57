"""Installing a submission's ``requirements.txt``: its own step, its own network, a cache.

The packages go into ``cache_root/<sha256 of the file>/`` with
``pip install --prefix``, run by the platform interpreter *inside the
sandbox* (building an sdist runs arbitrary code too) with the network on,
for this step only. Because pip resolves against the platform environment,
what the platform already has (torch, anomalib, …) counts as satisfied and
is not downloaded again; a constraints file pins every platform package to
its installed version, so a submission can add packages but not swap the
platform's for others (pip then fails with a clear resolution error).

The runner then passes the returned ``site-packages`` folder to the run as
``RunSpec.extra_ro_dirs=[deps]`` and puts it first on ``PYTHONPATH``
(``env["PYTHONPATH"] = f"{deps}:{project_root}"``): the backends mount
extra read-only dirs at their host paths, so the host path is valid inside.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import sysconfig
import tempfile
from pathlib import Path
from typing import BinaryIO

from .base import ResourceClass, RunSpec

COMPLETE_MARKER = ".lb-complete"
CONSTRAINTS_NAME = ".lb-platform-constraints.txt"
# pip's own settings from the worker (mirror, proxy, certificates) are passed
# on; nothing else of the worker's environment is.
PASSED_ENV_PREFIXES = ("PIP_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                       "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")
INSTALL_CLASS = ResourceClass(name="install", timeout_s=600, memory_mb=4096, cpus=2.0, max_procs=512,
                              max_output_mb=8192)


class DependencyInstallError(RuntimeError):
    """``pip install -r requirements.txt`` failed; the message ends with pip's last lines."""


def ensure_requirements(requirements_file: Path, *, cache_root: Path, sandbox_name: str, log: BinaryIO,
                        timeout_s: int = 600) -> Path | None:
    """Install ``requirements_file`` (once per content hash); the site-packages folder, or
    ``None`` when there is nothing to install."""
    requirements_file = Path(requirements_file)
    if not requirements_file.is_file() or not _has_requirements(requirements_file.read_text(errors="replace")):
        return None
    digest = hashlib.sha256(requirements_file.read_bytes()).hexdigest()
    target = Path(cache_root) / digest
    if (target / COMPLETE_MARKER).exists():
        _note(log, f"dependencies: cache hit for requirements.txt ({digest[:12]}), nothing to install")
        return site_packages(target)
    Path(cache_root).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=cache_root))
    try:
        _install(requirements_file, staging, sandbox_name, log, timeout_s)
        (staging / CONSTRAINTS_NAME).unlink(missing_ok=True)
        (staging / COMPLETE_MARKER).write_text(digest)
        try:
            staging.rename(target)  # atomic: a concurrent installer of the same file may win
        except OSError:
            if not (target / COMPLETE_MARKER).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return site_packages(target)


def site_packages(prefix: Path) -> Path:
    """Where ``pip install --prefix PREFIX`` puts pure-Python packages for this interpreter."""
    return Path(sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)}))


def _has_requirements(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in text.splitlines())


def _platform_constraints() -> str:
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            pins[name.lower()] = f"{name}=={dist.version}"
    return "\n".join(sorted(pins.values())) + "\n"


def _install(requirements_file: Path, staging: Path, sandbox_name: str, log: BinaryIO, timeout_s: int) -> None:
    from . import get_sandbox  # late import: the package imports this module's siblings

    (staging / CONSTRAINTS_NAME).write_text(_platform_constraints())
    env = {key: value for key, value in os.environ.items() if key.startswith(PASSED_ENV_PREFIXES)}
    env.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "{tmp}", "LANG": "C.UTF-8"})
    spec = RunSpec(
        argv=["{python}", "-m", "pip", "install", "--prefix", "{output}", "--no-input",
              "--disable-pip-version-check", "--no-warn-script-location", "--no-cache-dir",
              "--progress-bar", "off", "-r", "{code}/" + requirements_file.name,
              "-c", "{output}/" + CONSTRAINTS_NAME],
        code_dir=requirements_file.parent, output_dir=staging, dataset_dir=None, env=env,
        resources=ResourceClass(**{**INSTALL_CLASS.__dict__, "timeout_s": timeout_s}), network=True,
    )
    _note(log, "dependencies: installing requirements.txt (network on for this step only)")
    sandbox = get_sandbox(sandbox_name, debug=True)  # the caller already vetted the backend
    outcome = sandbox.run(spec, log=log)
    if not outcome.ok:
        raise DependencyInstallError(
            f"installing requirements.txt failed: {outcome.reason}\n{_log_tail(log)}")
    _note(log, f"dependencies: installed in {outcome.duration_s:.1f} s")


def _note(log: BinaryIO, text: str) -> None:
    log.write(f"[leaders-board] {text}\n".encode())
    log.flush()


def _log_tail(log: BinaryIO, lines: int = 20) -> str:
    try:
        with open(log.name, "rb") as reader:
            reader.seek(max(0, os.fstat(reader.fileno()).st_size - 8192))
            return b"\n".join(reader.read().splitlines()[-lines:]).decode(errors="replace")
    except (OSError, AttributeError, TypeError):
        return "(see the job log)"
