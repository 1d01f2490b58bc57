"""``_pip_fetch_sdist.py``: finding and copying one sdist through the simple repository API, with no pip internals.

A PEP 503 (and PEP 691 JSON) index is served by ``http.server`` on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sandbox import _pip_fetch_sdist as sdist_fetch
from sandbox._pip_fetch_sdist import FetchError, fetch_sdist
from sandbox.deps_fetch import SDIST_SCRIPT, _kind, _missing

SHA = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731


class IndexHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; a project folder's ``index.json`` when the client asks for PEP 691 JSON."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        folder = Path(self.translate_path(self.path))
        if (
            "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", "")
            and (folder / "index.json").is_file()
        ):
            body = (folder / "index.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def served(tmp_path: Path):
    """(root folder, base URL) of an HTTP server on 127.0.0.1 serving the folder."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(IndexHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def environ(tmp_path: Path, **settings: str) -> dict[str, str]:
    """What the worker gives the script: the operator's pip settings, not this machine's pip.conf."""
    return {"HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "0", **settings}


def add_file(root: Path, name: str, data: bytes | None = None) -> bytes:
    data = data if data is not None else f"contents of {name}".encode() * 8
    (root / "files").mkdir(exist_ok=True)
    (root / "files" / name).write_bytes(data)
    return data


def add_project(root: Path, project: str, anchors: list[str]) -> None:
    folder = root / "simple" / project
    folder.mkdir(parents=True)
    links = "\n".join(f"    {anchor}<br/>" for anchor in anchors)
    (folder / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}\n</body></html>\n")


def anchor(root: Path, name: str, *, data: bytes | None = None, attrs: str = "", digest: str | None = None) -> str:
    data = add_file(root, name, data)
    return f'<a href="../../files/{name}#sha256={digest or SHA(data)}"{attrs}>{name}</a>'


@pytest.fixture
def index(served):
    """lbpkg: sdists 1.0, 1.5, 2.0 (the highest final one), 2.1b1 (pre-release), 2.5 (yanked), a 3.0 wheel."""
    root, base = served
    add_project(
        root,
        "lbpkg",
        [
            anchor(root, "lbpkg-1.0.tar.gz"),
            anchor(root, "lbpkg-1.5.zip"),
            anchor(root, "lbpkg-2.0.tar.gz"),
            anchor(root, "lbpkg-2.1b1.tar.gz"),
            anchor(root, "lbpkg-2.5.tar.gz", attrs=' data-yanked="broken"'),
            anchor(root, "lbpkg-3.0-py3-none-any.whl"),
            anchor(root, "otherpkg-9.0.tar.gz"),
            anchor(root, "lbpkg-2.2.tar.gz", attrs=' data-requires-python="&lt;3"'),  # not for this Python
        ],
    )
    return root, f"{base}/simple"


@pytest.mark.parametrize(
    "requirement, expected",
    [
        ("lbpkg", "lbpkg-2.0.tar.gz"),
        ("LBPkg>=1.0", "lbpkg-2.0.tar.gz"),
        ("lbpkg<2", "lbpkg-1.5.zip"),
        ("lbpkg[extra]==1.0; python_version >= '3'", "lbpkg-1.0.tar.gz"),
        ("lbpkg>=2.1b1", "lbpkg-2.1b1.tar.gz"),  # the specifier asks for a pre-release
    ],
)
def test_picks_the_highest_allowed_sdist(index, tmp_path, requirement, expected):
    root, simple = index
    dest = tmp_path / "dest"
    name = fetch_sdist(requirement, dest, environ=environ(tmp_path, PIP_INDEX_URL=simple), note=lambda _: None)
    assert name == expected
    assert sorted(os.listdir(dest)) == [expected]
    assert (dest / expected).read_bytes() == (root / "files" / expected).read_bytes()


def test_wheels_and_yanked_files_are_never_picked(served, tmp_path):
    root, base = served
    add_project(
        root,
        "wheelonly",
        [anchor(root, "wheelonly-1.0-py3-none-any.whl"), anchor(root, "wheelonly-0.9.tar.gz", attrs=" data-yanked")],
    )
    with pytest.raises(FetchError, match="No matching distribution found for wheelonly") as error:
        fetch_sdist("wheelonly", tmp_path / "dest", environ=environ(tmp_path, PIP_INDEX_URL=f"{base}/simple"))
    assert _missing(f"ERROR: {error.value}") == "wheelonly" and _kind(f"ERROR: {error.value}") == "submission"
    assert not (tmp_path / "dest").exists() or not os.listdir(tmp_path / "dest")


def test_a_hash_mismatch_is_refused_and_nothing_is_left(served, tmp_path):
    root, base = served
    add_project(root, "badhash", [anchor(root, "badhash-1.0.tar.gz", digest="0" * 64)])
    with pytest.raises(FetchError, match="hash mismatch"):
        fetch_sdist("badhash", tmp_path / "dest", environ=environ(tmp_path, PIP_INDEX_URL=f"{base}/simple"))
    assert os.listdir(tmp_path / "dest") == []


def test_an_oversized_sdist_is_refused(served, tmp_path):
    root, base = served
    add_project(root, "bigpkg", [anchor(root, "bigpkg-1.0.tar.gz", data=b"x" * 4096)])
    env = environ(tmp_path, PIP_INDEX_URL=f"{base}/simple")
    with pytest.raises(FetchError, match="over the size cap"):
        fetch_sdist("bigpkg", tmp_path / "dest", environ=env, max_bytes=1024)
    assert os.listdir(tmp_path / "dest") == []
    assert fetch_sdist("bigpkg", tmp_path / "dest", environ=env, max_bytes=4096) == "bigpkg-1.0.tar.gz"


def test_a_local_find_links_folder(tmp_path):
    links = tmp_path / "links"
    links.mkdir()
    for name in (
        "flatpkg-1.0.tar.gz",
        "flatpkg-1.1.zip",
        "flatpkg-2.0-py3-none-any.whl",
        "flatpkg-2.0rc1.tar.gz",
        "other-5.0.tar.gz",
    ):
        (links / name).write_bytes(name.encode() * 100)
    env = environ(tmp_path, PIP_FIND_LINKS=str(links), PIP_NO_INDEX="1")
    assert fetch_sdist("flatpkg", tmp_path / "a", environ=env) == "flatpkg-1.1.zip"
    assert (tmp_path / "a" / "flatpkg-1.1.zip").read_bytes() == (links / "flatpkg-1.1.zip").read_bytes()
    assert fetch_sdist("flatpkg==1.0", tmp_path / "b", environ=env) == "flatpkg-1.0.tar.gz"
    with pytest.raises(FetchError, match="over the size cap"):  # a local file has no declared size
        fetch_sdist("flatpkg==1.0", tmp_path / "c", environ=env, max_bytes=100)
    assert os.listdir(tmp_path / "c") == []
    with pytest.raises(FetchError, match="No matching distribution found for flatpkg"):
        fetch_sdist("flatpkg>3", tmp_path / "d", environ=env)


def test_pep_691_json_and_an_extra_index(served, tmp_path):
    root, base = served
    (root / "empty").mkdir()  # the main index has no such project: 404
    folder = root / "json" / "jsonpkg"
    folder.mkdir(parents=True)
    files = {
        name: add_file(root, name)
        for name in ("jsonpkg-1.0.tar.gz", "jsonpkg-1.2.tar.gz", "jsonpkg-1.3.tar.gz", "jsonpkg-1.4-py3-none-any.whl")
    }
    (folder / "index.json").write_text(
        json.dumps(
            {
                "meta": {"api-version": "1.1"},
                "name": "jsonpkg",
                "files": [
                    {
                        "filename": name,
                        "url": f"../../files/{name}",
                        "hashes": {"sha256": SHA(data)},
                        "yanked": "bad release" if name == "jsonpkg-1.3.tar.gz" else False,
                    }
                    for name, data in files.items()
                ],
            }
        )
    )
    (folder / "index.html").write_text("<html><body>no links for a client that can read JSON</body></html>")
    env = environ(tmp_path, PIP_INDEX_URL=f"{base}/empty", PIP_EXTRA_INDEX_URL=f"{base}/json")
    assert fetch_sdist("jsonpkg", tmp_path / "dest", environ=env) == "jsonpkg-1.2.tar.gz"


def run_script(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(SDIST_SCRIPT), "--no-binary=:all:", "-d", str(tmp_path / "dest"), *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=tmp_path,
        timeout=60,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return done.returncode, done.stdout


def test_the_script_as_the_worker_runs_it(index, tmp_path):
    """Same CLI and output lines as before; the destination is written with O_EXCL."""
    _, simple = index
    code, output = run_script(tmp_path, environ(tmp_path, PIP_INDEX_URL=simple), "lbpkg<2")
    assert code == 0 and output.strip().splitlines()[-1] == "FETCHED lbpkg-1.5.zip", output
    code, output = run_script(tmp_path, environ(tmp_path, PIP_INDEX_URL=simple), "lbpkg<2")
    assert code == 1 and "ERROR: lbpkg-1.5.zip is already in the download folder" in output


def test_an_unreachable_index_is_the_platforms_fault_and_its_token_is_not_logged(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = environ(tmp_path, PIP_INDEX_URL=f"http://user:token-5e2f@127.0.0.1:{port}/simple")
    code, output = run_script(tmp_path, env, "lbpkg")
    assert code == 1 and output.strip().splitlines()[-1].startswith("ERROR: No matching distribution found for lbpkg")
    assert "Could not fetch URL" in output and _kind(output) == "platform" and _missing(output) == "lbpkg"
    assert "token-5e2f" not in output and "user:****@127.0.0.1" in output


def test_no_pip_internals():
    source = Path(sdist_fetch.__file__).read_text()
    assert "pip._internal" not in source and "pip._vendor" not in source
