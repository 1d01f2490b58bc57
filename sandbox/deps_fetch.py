"""The download half of installing a submission's requirements, run by the worker itself.

Nothing of the submission executes here: ``requirements.txt`` is reduced to
plain requirement specifiers (no pip options, URLs, paths or ``${VAR}``), the
resolution is ``pip install --dry-run --only-binary=:all:`` against the
platform environment (wheels carry their metadata: no build hook runs), and
what it picked is fetched with ``pip download --no-deps --only-binary=:all:``
into a per-job wheelhouse. With source builds allowed, a listed package that
has no wheel is fetched as an sdist by ``_pip_fetch_sdist.py``, which reads
the operator's index (the simple API, honouring the same ``PIP_*`` settings)
and copies the file without preparing it (``pip download``
of an sdist would run its build backend here); the sdist's build requirements
are read from its ``pyproject.toml`` as text and fetched as wheels. Its build
then runs in the sandbox, without network, with the rest of the install.

Only the variables named by ``LB_DEPS_PASS_ENV`` (the index, proxy and
certificate settings of the operator's pip) reach these pip processes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DEFAULT_PASS_ENV = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "PIP_TRUSTED_HOST",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_CONFIG_FILE",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_RETRIES",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)
MAX_REQUIREMENTS_BYTES = 64 * 1024
MAX_PYPROJECT_BYTES = 1024 * 1024
_HASH_OPTION = re.compile(r"--hash[=\s]+(sha256|sha384|sha512):[0-9a-fA-F]+")
_NOT_FOUND = re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)")
_UNREACHABLE = (
    "NewConnectionError",
    "ConnectTimeoutError",
    "Could not fetch URL",
    "ProxyError",
    "SSLError",
    "ReadTimeoutError",
)
SDIST_SCRIPT = Path(__file__).with_name("_pip_fetch_sdist.py")


class DependencyInstallError(RuntimeError):
    """Installing requirements.txt failed; ``kind`` says whose fault it was
    (``submission`` or ``platform``, the values of ``jobs.models.FailureKind``)."""

    def __init__(self, message: str, kind: str = "submission") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Fetched:
    """What the wheelhouse holds: wheels picked by the resolver and sdists to build."""

    wheels: list[str] = field(default_factory=list)
    sdists: list[str] = field(default_factory=list)


def parse_requirements(text: str) -> list[str]:
    """The requirement lines of ``requirements.txt``, normalised; anything else is refused.

    Options (``--index-url``, ``-r``, ``-e``, ``--find-links``…), URLs, paths and
    ``${VAR}`` would make the worker fetch or read what the submission names, or
    run a local project's build; only ``--hash=`` may follow a requirement."""
    if len(text.encode()) > MAX_REQUIREMENTS_BYTES:
        raise DependencyInstallError(f"requirements.txt is over {MAX_REQUIREMENTS_BYTES // 1024} KiB")
    lines, pending = [], ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            lines.append(_parse_line(line, number))
    return lines


def _parse_line(line: str, number: int) -> str:
    spec, _, options = line.partition(" --")
    options = ("--" + options).strip() if options else ""
    refused = (
        f"requirements.txt line {number}: only package requirements such as 'name[extra]>=1.2; marker' "
        f"(optionally with --hash=sha256:…) are accepted, not {line[:120]!r}"
    )
    if "$" in line or spec.startswith("-") or _HASH_OPTION.sub("", options).strip():
        raise DependencyInstallError(refused)
    try:
        requirement = Requirement(spec.strip())
    except InvalidRequirement:
        raise DependencyInstallError(refused) from None
    if requirement.url:
        raise DependencyInstallError(refused)
    hashes = " ".join(match.group(0).replace(" ", "=") for match in _HASH_OPTION.finditer(options))
    return f"{requirement} {hashes}".strip()


def requirement_name(line: str) -> str:
    return canonicalize_name(Requirement(line.split(" --")[0]).name)


def download_env(pass_env: Sequence[str], environ: Mapping[str, str], home: Path) -> dict[str, str]:
    """The pip processes' whole environment: the allowed variables, nothing else of the worker's."""
    env = {name: environ[name] for name in pass_env if name in environ}
    env.update(
        {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
    )
    return env


def fetch(
    requirements: list[str],
    *,
    constraints: Path,
    wheelhouse: Path,
    work: Path,
    env: dict[str, str],
    log: BinaryIO,
    allow_source_builds: bool,
    timeout_s: int,
) -> Fetched:
    """Fill ``wheelhouse`` with everything the sandboxed install needs; raises
    :class:`DependencyInstallError` naming a package that cannot be had."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    fetched, resolved = Fetched(), list(requirements)
    top_level = {requirement_name(line): line for line in requirements}
    report: dict = {"install": []}
    while resolved:
        listing = work / "resolve.txt"
        listing.write_text("\n".join(resolved) + "\n")
        code, output = _pip(
            [
                "install",
                "--dry-run",
                "--only-binary=:all:",
                "--report",
                str(work / "report.json"),
                "-r",
                str(listing),
                "-c",
                str(constraints),
            ],
            env=env,
            log=log,
            timeout_s=timeout_s,
        )
        if code == 0:
            report = json.loads((work / "report.json").read_text())
            break
        missing = _missing(output)
        if missing and allow_source_builds and missing in top_level and top_level[missing] in resolved:
            fetched.sdists.append(_fetch_sdist(top_level[missing], wheelhouse, env, log, timeout_s))
            resolved.remove(top_level[missing])
            continue
        raise _resolution_error(output, missing, allow_source_builds, top_level, resolved)
    pins = [f"{item['metadata']['name']}=={item['metadata']['version']}" for item in report.get("install", [])]
    if pins:
        code, output = _pip(
            ["download", "--no-deps", "--only-binary=:all:", "-d", str(wheelhouse), *pins],
            env=env,
            log=log,
            timeout_s=timeout_s,
        )
        if code != 0:
            raise _resolution_error(output, _missing(output), allow_source_builds, top_level, resolved)
        fetched.wheels = pins
    build_requires = sorted({line for sdist in fetched.sdists for line in _build_requires(wheelhouse / sdist)})
    if build_requires:
        code, output = _pip(
            ["download", "--only-binary=:all:", "-d", str(wheelhouse), *build_requires],
            env=env,
            log=log,
            timeout_s=timeout_s,
        )
        if code != 0:
            raise DependencyInstallError(
                f"the build requirements of a source package could not be fetched as "
                f"wheels: {', '.join(build_requires)}\n{_tail(output)}",
                kind=_kind(output),
            )
    return fetched


def _fetch_sdist(line: str, wheelhouse: Path, env: dict[str, str], log: BinaryIO, timeout_s: int) -> str:
    requirement = line.split(" --")[0]
    _note(log, f"dependencies: {requirement_name(line)} has no wheel; fetching its source to build in the sandbox")
    done = _run(
        [sys.executable, str(SDIST_SCRIPT), "--no-binary=:all:", "-d", str(wheelhouse), requirement],
        env=env,
        log=log,
        timeout_s=timeout_s,
    )
    code, output = done
    name = output.strip().splitlines()[-1].removeprefix("FETCHED ") if code == 0 and output.strip() else ""
    if code != 0 or not re.fullmatch(r"[A-Za-z0-9._+-]+\.(tar\.gz|zip)", name):
        raise DependencyInstallError(
            f"no wheel and no source distribution found for {requirement_name(line)!r}\n{_tail(output)}",
            kind=_kind(output),
        )
    return name


def _build_requires(sdist: Path) -> list[str]:
    """``[build-system] requires`` of an sdist, read as text from its archive (hostile:
    one member, size-capped, never extracted to disk)."""
    text = _read_pyproject(sdist)
    if text is None:
        return ["setuptools>=40.8.0"]  # pip's default for a project without pyproject.toml
    try:
        requires = tomllib.loads(text).get("build-system", {}).get("requires", ["setuptools>=40.8.0"])
    except tomllib.TOMLDecodeError as exc:
        raise DependencyInstallError(f"{sdist.name}: pyproject.toml is not valid TOML: {exc}") from None
    if not isinstance(requires, list) or not all(isinstance(item, str) for item in requires):
        raise DependencyInstallError(f"{sdist.name}: build-system.requires is not a list of strings")
    return [_parse_line(item, 0) for item in requires]


def _read_pyproject(sdist: Path) -> str | None:
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            for info in archive.infolist():
                if _is_top_pyproject(info.filename) and info.file_size <= MAX_PYPROJECT_BYTES:
                    return archive.read(info).decode(errors="replace")
        return None
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            if _is_top_pyproject(member.name) and member.isfile() and member.size <= MAX_PYPROJECT_BYTES:
                reader = archive.extractfile(member)
                return reader.read(MAX_PYPROJECT_BYTES).decode(errors="replace") if reader else None
    return None


def _is_top_pyproject(name: str) -> bool:
    parts = name.strip("/").split("/")
    return len(parts) == 2 and parts[1] == "pyproject.toml"


def _missing(output: str) -> str | None:
    found = _NOT_FOUND.findall(output)
    return canonicalize_name(found[-1]) if found else None


def _kind(output: str) -> str:
    return "platform" if any(marker in output for marker in _UNREACHABLE) else "submission"


def _resolution_error(
    output: str, missing: str | None, allow_source_builds: bool, top_level: dict[str, str], resolved: list[str]
) -> DependencyInstallError:
    kind = _kind(output)
    if kind == "platform":
        return DependencyInstallError(f"the package index could not be reached\n{_tail(output)}", kind="platform")
    if missing is None:
        return DependencyInstallError(f"requirements.txt could not be resolved\n{_tail(output)}")
    if not allow_source_builds:
        why = (
            "it has no wheel for this platform (or does not exist): this platform installs wheels only, "
            "source builds are off (LB_DEPS_ALLOW_SOURCE_BUILDS)"
        )
    elif missing in top_level and top_level[missing] not in resolved:
        why = (
            "it is built from source, and a package with a wheel depends on it: the worker cannot resolve "
            "that without running the build"
        )
    elif missing in top_level:
        why = "neither a wheel nor a source distribution was found"
    else:
        why = (
            "it has no wheel; a dependency is only built from source when requirements.txt lists it, "
            "with its own dependencies"
        )
    return DependencyInstallError(f"cannot install {missing!r}: {why}\n{_tail(output)}")


def _pip(args: list[str], *, env: dict[str, str], log: BinaryIO, timeout_s: int) -> tuple[int, str]:
    return _run(
        [sys.executable, "-m", "pip", *args, "--no-cache-dir", "--progress-bar", "off"],
        env=env,
        log=log,
        timeout_s=timeout_s,
    )


def _run(argv: list[str], *, env: dict[str, str], log: BinaryIO, timeout_s: int) -> tuple[int, str]:
    try:
        done = subprocess.run(
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout_s,
            cwd=env["HOME"],
        )
    except subprocess.TimeoutExpired:
        raise DependencyInstallError(f"downloading the requirements took over {timeout_s} s", kind="platform") from None
    output = done.stdout.decode(errors="replace")
    log.write(done.stdout[-65536:])
    log.flush()
    return done.returncode, output


def _tail(output: str, lines: int = 12) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


def _note(log: BinaryIO, text: str) -> None:
    log.write(f"[leaders-board] {text}\n".encode())
    log.flush()
