"""Installing a submission's ``requirements.txt``: download outside, install inside, offline.

1. The worker reduces the file to plain requirement specifiers, resolves them
   against the platform environment and downloads wheels into a per-job
   wheelhouse (``deps_fetch``): nothing of the submission runs there, and only
   the variables in ``pass_env`` (``LB_DEPS_PASS_ENV``) reach those pip processes.
2. ``pip install --no-index --find-links WHEELHOUSE --prefix`` runs in the
   sandbox the run uses (the runner passes the same object), **without
   network** and with none of the worker's environment. With source builds
   allowed (``LB_DEPS_ALLOW_SOURCE_BUILDS``), sdists are built there too.
3. The worker validates what the install left (``deps_cache.validate_layer``)
   and only then renames it into ``cache_root/<key>/`` and writes the marker
   beside it. The key covers the owner, the requirements and the platform's
   pins: no one's build output runs in another's job. The cache is capped
   (``LB_DEPS_CACHE_MAX_GB``) with least-recently-used eviction.

Platform packages count as satisfied and a constraints file pins each to its
installed version, so a submission can add packages but not replace torch & co.
The runner passes the returned ``site-packages`` folder to the run as
``RunSpec.extra_ro_dirs=[deps]`` and puts it first on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from . import deps_cache
from .base import ResourceClass, RunSpec, Sandbox, SandboxUnavailable
from .deps_cache import LayerRefused, site_packages
from .deps_fetch import DEFAULT_PASS_ENV, DependencyInstallError, download_env, fetch, parse_requirements

__all__ = ["DEFAULT_PASS_ENV", "DependencyInstallError", "ensure_requirements", "site_packages"]

INSTALL_CLASS = ResourceClass(
    name="install", timeout_s=600, memory_mb=4096, cpus=2.0, max_procs=512, max_output_mb=8192
)
# The sandboxed pip's whole environment: nothing of the worker's (no PIP_*, proxy or secret).
INSTALL_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "{tmp}",
    "TMPDIR": "{tmp}",
    "LANG": "C.UTF-8",
    "PYTHONNOUSERSITE": "1",
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
}


def ensure_requirements(
    requirements_file: Path,
    *,
    cache_root: Path,
    owner_key: str,
    sandbox: Sandbox,
    log: BinaryIO,
    timeout_s: int = 600,
    debug: bool = False,
    pass_env: Sequence[str] = DEFAULT_PASS_ENV,
    allow_source_builds: bool = False,
    cache_max_gb: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path | None:
    """Install ``requirements_file`` for ``owner_key`` (once per owner and content) with
    ``sandbox``; the layer's ``site-packages`` folder, or ``None`` when nothing is installed.

    Raises :class:`DependencyInstallError` (``.kind`` submission or platform) and
    :class:`SandboxUnavailable` for the ``none`` backend unless ``debug``."""
    if getattr(sandbox, "name", None) == "none" and not debug:
        # The run's rule (sandbox.get_sandbox): unconfined code only in development.
        raise SandboxUnavailable("LB_SANDBOX=none would install requirements unconfined; refused when DEBUG is off")
    requirements_file = Path(requirements_file)
    if not requirements_file.is_file():
        return None
    requirements = parse_requirements(requirements_file.read_text(errors="replace"))
    if not requirements:
        return None
    cache_root = Path(cache_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    constraints = _platform_constraints()
    key = deps_cache.layer_key(
        owner_key=owner_key,
        requirements="\n".join(requirements),
        constraints=constraints,
        source_builds=allow_source_builds,
    )
    if deps_cache.is_complete(cache_root, key):
        deps_cache.touch(cache_root, key)
        _note(log, f"dependencies: cache hit ({key[:12]}), nothing to install")
        return _mountable(cache_root, key)
    if os.path.lexists(cache_root / key):
        deps_cache.remove_layer(cache_root, key)  # a crashed install's layer without its marker
    work = Path(tempfile.mkdtemp(prefix=".work-", dir=cache_root))
    try:
        _build_layer(
            requirements,
            constraints,
            key,
            cache_root=cache_root,
            work=work,
            sandbox=sandbox,
            log=log,
            timeout_s=timeout_s,
            env=download_env(pass_env, os.environ if environ is None else environ, work / "home"),
            allow_source_builds=allow_source_builds,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if cache_max_gb is not None:
        for evicted in deps_cache.evict(cache_root, int(cache_max_gb * 2**30), keep={key}):
            _note(log, f"dependencies: evicted cached layer {evicted[:12]} (cache over {cache_max_gb:g} GB)")
    return _mountable(cache_root, key)


def _build_layer(
    requirements: list[str],
    constraints: str,
    key: str,
    *,
    cache_root: Path,
    work: Path,
    sandbox: Sandbox,
    log: BinaryIO,
    timeout_s: int,
    env: dict[str, str],
    allow_source_builds: bool,
) -> None:
    inputs = work / "in"
    wheelhouse = inputs / "wheels"
    (work / "home").mkdir(parents=True)
    wheelhouse.mkdir(parents=True)
    (inputs / "requirements.txt").write_text("\n".join(requirements) + "\n")
    (inputs / "constraints.txt").write_text(constraints)
    _note(
        log,
        "dependencies: downloading (by the worker, wheels only"
        + (", sources allowed" if allow_source_builds else "")
        + ")",
    )
    started = time.monotonic()
    fetched = fetch(
        requirements,
        constraints=inputs / "constraints.txt",
        wheelhouse=wheelhouse,
        work=work,
        env=env,
        log=log,
        allow_source_builds=allow_source_builds,
        timeout_s=timeout_s,
    )
    remaining = max(30, int(timeout_s - (time.monotonic() - started)))
    staging = work / "layer"
    _install(inputs, staging, sandbox, log, remaining, source_builds=bool(fetched.sdists))
    try:
        size = deps_cache.validate_layer(staging)
    except LayerRefused as exc:
        raise DependencyInstallError(f"the installed packages were refused: {exc}") from None
    try:
        os.rename(staging, cache_root / key)
    except OSError:
        if not deps_cache.is_complete(cache_root, key):  # else a concurrent install of the same layer won
            raise DependencyInstallError(
                "another install of the same layer is under way; try again", kind="platform"
            ) from None
        return
    deps_cache.write_marker(cache_root, key, size)


def _install(
    inputs: Path, staging: Path, sandbox: Sandbox, log: BinaryIO, timeout_s: int, *, source_builds: bool
) -> None:
    argv = [
        "{python}",
        "-m",
        "pip",
        "install",
        "--prefix",
        "{output}",
        "--no-index",
        "--find-links",
        "{code}/wheels",
        "--no-cache-dir",
        "--progress-bar",
        "off",
        "--no-warn-script-location",
        "-r",
        "{code}/requirements.txt",
        "-c",
        "{code}/constraints.txt",
    ]
    if not source_builds:
        argv.append("--only-binary=:all:")
    spec = RunSpec(
        argv=argv,
        code_dir=inputs,
        output_dir=staging,
        dataset_dir=None,
        env=dict(INSTALL_ENV),
        resources=ResourceClass(**{**INSTALL_CLASS.__dict__, "timeout_s": timeout_s}),
        network=False,
    )
    _note(
        log,
        f"dependencies: installing in sandbox {sandbox.name!r} without network"
        + (" (building sources)" if source_builds else ""),
    )
    outcome = sandbox.run(spec, log=log)
    if outcome.kind == "sandbox_error":
        raise DependencyInstallError(f"the sandbox could not start the install: {outcome.reason}", kind="platform")
    if not outcome.ok:
        tail = _log_tail(log)
        missing = [line for line in tail.splitlines() if "No matching distribution found for" in line]
        hint = (
            (
                f"{missing[-1].split('for', 1)[1].strip()} is not available offline: a package built from "
                f"source needs it; list it in requirements.txt\n"
            )
            if missing
            else ""
        )
        raise DependencyInstallError(f"installing requirements.txt failed: {outcome.reason}\n{hint}{tail}")
    _note(log, f"dependencies: installed in {outcome.duration_s:.1f} s")


def _mountable(cache_root: Path, key: str) -> Path | None:
    try:
        return deps_cache.mountable_site_packages(cache_root, key)
    except LayerRefused as exc:
        deps_cache.remove_layer(cache_root, key)
        raise DependencyInstallError(f"the cached dependency layer was refused: {exc}") from None


def _platform_constraints() -> str:
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            pins[name.lower()] = f"{name}=={dist.version}"
    return "\n".join(sorted(pins.values())) + "\n"


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
