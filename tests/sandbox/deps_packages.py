"""Tiny wheels and (hostile) sdists built locally, so the dependency tests need no network."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from sandbox import Sandbox, get_sandbox
from sandbox.deps import ensure_requirements


def wheel_bytes(name: str, version: str, *, requires: list[str] = (), extra: dict[str, str] | None = None) -> bytes:
    """A minimal pure-Python wheel, written by hand (no build backend runs)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        **(extra or {}),
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def build_wheel(folder: Path, name: str, version: str, *, requires: list[str] = ()) -> Path:
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes(name, version, requires=requires))
    return wheel


# The in-tree build backend of a hostile sdist: ``_hostile()`` runs first in
# build_wheel (wherever pip builds it) and may return extra files for the wheel.
BACKEND = """
import base64, hashlib, json, os, socket, sys, sysconfig, zipfile

NAME, VERSION, RAN_MARKER = {name!r}, {version!r}, {ran_marker!r}
PREFIX = "/sandbox/output"  # where the sandboxed pip install --prefix writes
PURELIB = sysconfig.get_path("purelib", vars={{"base": PREFIX, "platbase": PREFIX}})


def _gateway():
    try:
        for line in open("/proc/net/route").read().splitlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                return socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
    except OSError:
        pass
    return None


def _hostile():
{body}


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    try:
        open(RAN_MARKER, "w").write("the build backend ran here")  # on the worker this would persist
    except OSError:
        pass
    extra = _hostile() or {{}}
    dist_info = NAME + "-" + VERSION + ".dist-info"
    files = dict(extra)
    files[NAME + "/__init__.py"] = "VERSION = " + repr(VERSION) + "\\n"
    files[dist_info + "/METADATA"] = "Metadata-Version: 2.1\\nName: " + NAME + "\\nVersion: " + VERSION + "\\n"
    files[dist_info + "/WHEEL"] = ("Wheel-Version: 1.0\\nGenerator: hostile\\nRoot-Is-Purelib: true\\n"
                                   "Tag: py3-none-any\\n")
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(path + ",sha256=" + digest + "," + str(len(text.encode())))
    files[dist_info + "/RECORD"] = "\\n".join(record + [dist_info + "/RECORD,,"]) + "\\n"
    wheel = NAME + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel
"""


def build_sdist(
    folder: Path, name: str, version: str, *, body: str = "return None", ran_marker: str = "/nonexistent/lb-ran"
) -> Path:
    """``name-version.tar.gz``: pyproject.toml naming an in-tree backend (``backend-path``)
    whose ``build_wheel`` runs ``body`` (the body of ``_hostile()``) first."""
    top = f"{name}-{version}"
    members = {
        f"{top}/pyproject.toml": textwrap.dedent("""\
            [build-system]
            requires = []
            build-backend = "hostile_backend"
            backend-path = ["."]
            """),
        f"{top}/hostile_backend.py": BACKEND.format(
            name=name, version=version, ran_marker=ran_marker, body=textwrap.indent(textwrap.dedent(body), "    ")
        ),
        f"{top}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    sdist = folder / f"{top}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for path, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return sdist


@pytest.fixture
def package_index(tmp_path: Path, monkeypatch) -> Path:
    """A find-links folder standing in for the package index, reached by the worker's
    download step through the operator's allowlisted PIP_* variables (no network)."""
    index = tmp_path / "index"
    index.mkdir()
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # not this machine's pip.conf (mirrors, constraints)
    return index


@pytest.fixture
def deps_sandbox(sandbox_options):
    """``deps_sandbox(backend)``: the sandbox object the runner would hand to the install step."""

    def make(backend: str, *, debug: bool = True) -> Sandbox:
        return get_sandbox(backend, debug=debug, **sandbox_options(backend))

    return make


def install(requirements: Path, *, cache: Path, owner: str, sandbox: Sandbox, log_path: Path, **options):
    with open(log_path, "ab") as log:
        return ensure_requirements(
            requirements,
            cache_root=cache,
            owner_key=owner,
            sandbox=sandbox,
            log=log,
            timeout_s=180,
            debug=True,
            **options,
        )


def layers(cache: Path) -> list[str]:
    """What the cache holds (layers and markers), hidden work folders aside."""
    return sorted(entry.name for entry in cache.iterdir() if not entry.name.startswith(".")) if cache.exists() else []
