"""Fetch one requirement's source distribution *without preparing it* (a script, run by the worker).

``pip download`` of an sdist runs the sdist's build backend to read its
metadata: arbitrary code, on the worker. This reads the operator's package
sources itself, through public interfaces only: the "simple" repository API
(PEP 503 HTML, or PEP 691 JSON when the index offers it) over ``httpx``, and
``packaging`` for requirements, versions and file names. It honours the
operator's pip settings (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``,
``PIP_FIND_LINKS``, ``PIP_NO_INDEX``, ``PIP_TRUSTED_HOST``, ``PIP_CERT``,
``PIP_CLIENT_CERT``, ``PIP_DEFAULT_TIMEOUT``, ``PIP_RETRIES``, ``PIP_PRE``,
``PIP_PROXY``, the same keys in pip's configuration files or ``PIP_CONFIG_FILE``,
and ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` / ``REQUESTS_CA_BUNDLE`` /
``HTTP(S)_PROXY`` / ``NO_PROXY``), picks the highest allowed version's sdist
(not yanked, Requires-Python met, pre-releases as pip allows them), and copies
it, checking the hash the index gives and a size cap. The build runs later,
in the sandbox, without network.

    python _pip_fetch_sdist.py --no-binary=:all: -d DEST 'name>=1.0'

Prints ``FETCHED <file name>`` last, or ``ERROR: ...`` (exit status 1).
No Django: the worker runs it with the operator's pip environment only.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # run as a script: its folder's modules must not shadow httpx's imports
    _HERE = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != _HERE]

if __name__ == "__main__":  # its sibling by path: the folder is off sys.path (above)
    import importlib.util

    _SPEC = importlib.util.spec_from_file_location("_pip_fetch_common", os.path.join(_HERE, "_pip_fetch_common.py"))
    _common = importlib.util.module_from_spec(_SPEC)
    sys.modules["_pip_fetch_common"] = _common  # dataclasses look their module up by name
    _SPEC.loader.exec_module(_common)
else:
    from sandbox import _pip_fetch_common as _common

import argparse  # noqa: E402
import hashlib  # noqa: E402
import ssl  # noqa: E402
import stat  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Callable, Iterator, Mapping  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402
from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: E402
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename  # noqa: E402
from packaging.version import Version  # noqa: E402

# The settings, HTTP and page readers live in _pip_fetch_common.py (this module stays under ~400 lines).
MAX_SDIST_BYTES = _common.MAX_SDIST_BYTES
HASH_NAMES = _common.HASH_NAMES
SDIST_NAME = _common.SDIST_NAME
Candidate = _common.Candidate
FetchError = _common.FetchError
Http = _common.Http
Settings = _common.Settings
load_settings = _common.load_settings
parse_html = _common.parse_html
parse_json = _common.parse_json
redact = _common.redact
MAX_PAGE_BYTES = _common.MAX_PAGE_BYTES
ACCEPT = _common.ACCEPT
_Link = _common._Link


# --- finding ------------------------------------------------------------------------------------------------


class Finder:
    """Candidates from find-links (local folders, local pages, remote flat pages) and index project pages."""

    def __init__(self, settings: Settings, http: Http, note: Callable[[str], None]) -> None:
        self.settings, self.http, self.note = settings, http, note
        self.failures: list[str] = []
        self.python = Version(".".join(map(str, sys.version_info[:3])))

    def candidates(self, project: str) -> list[Candidate]:
        found: list[Candidate] = []
        for location in self.settings.find_links:
            found += self._from_links(project, self._find_link(location))
        for index in self.settings.index_urls:
            page = f"{index.rstrip('/')}/{urllib.parse.quote(project)}/"
            found += self._from_links(project, self._index_page(page))
        return found

    def _find_link(self, location: str) -> list[_Link]:
        if "://" not in location:
            path = os.path.abspath(os.path.expanduser(location))
            if not os.path.exists(path):
                self.note(
                    f"WARNING: Location '{location}' is ignored: it is either a non-existing path "
                    "or lacks a specific scheme."
                )
                return []
            location = Path(path).as_uri()
        if location.startswith("file:"):
            path = urllib.request.url2pathname(urllib.parse.urlsplit(location).path)
            if os.path.isdir(path):  # a flat folder: every file in it
                return [
                    _Link(url=Path(path, name).as_uri())
                    for name in sorted(os.listdir(path))
                    if os.path.isfile(os.path.join(path, name))
                ]
            if path.endswith((".tar.gz", ".zip", ".whl")):
                return [_Link(url=location)]
        elif location.split("#")[0].endswith((".tar.gz", ".zip", ".whl")):
            return [_Link(url=location)]
        return self._page(location)

    def _index_page(self, url: str) -> list[_Link]:
        if url.startswith("file:"):
            path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
            if os.path.isdir(path):
                url = urllib.parse.urljoin(url, "index.html")
        return self._page(url)

    def _page(self, url: str) -> list[_Link]:
        if url.startswith("file:"):
            path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
            try:
                with open(path, "rb") as page:
                    data = page.read(MAX_PAGE_BYTES + 1)
            except FileNotFoundError:
                return []
            except OSError as exc:
                self._failed(url, str(exc))
                return []
            if len(data) > MAX_PAGE_BYTES:
                self._failed(url, f"page over {MAX_PAGE_BYTES >> 20} MiB")
                return []
            return self._parse(data.decode("utf-8", errors="replace"), "text/html", url)
        if not self.http.is_secure(url):
            self.note(
                f"WARNING: The repository located at {redact(url)} is not a trusted or secure host and is "
                "being ignored (use https, or name it in PIP_TRUSTED_HOST)."
            )
            return []
        try:
            with self.http.stream(url, {"Accept": ACCEPT, "Cache-Control": "max-age=0"}) as response:
                if response.status_code == 404:
                    return []
                if response.status_code >= 400:
                    self._failed(url, f"HTTP error {response.status_code}")
                    return []
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES:
                        self._failed(url, f"page over {MAX_PAGE_BYTES >> 20} MiB")
                        return []
                final_url = str(response.url)
                if not self.http.is_secure(final_url):
                    self._failed(url, f"redirected to an insecure location {redact(final_url)}")
                    return []
                content_type = response.headers.get("content-type", "text/html")
                text = bytes(body).decode(response.charset_encoding or "utf-8", errors="replace")
        except FetchError as exc:
            self._failed(url, str(exc), formatted=True)
            return []
        except httpx.HTTPError as exc:
            self._failed(url, f"{type(exc).__name__}: {exc}")
            return []
        # a remote page names remote files only (never a file: URL on the worker)
        return [link for link in self._parse(text, content_type, final_url) if link.url.startswith(("http:", "https:"))]

    def _parse(self, text: str, content_type: str, url: str) -> list[_Link]:
        try:
            if content_type.split(";")[0].strip().lower() == "application/vnd.pypi.simple.v1+json":
                return parse_json(text, url)
            return parse_html(text, url)
        except (ValueError, AttributeError, TypeError) as exc:
            self._failed(url, f"unreadable index page: {exc}")
            return []

    def _failed(self, url: str, why: str, *, formatted: bool = False) -> None:
        message = redact(why) if formatted else f"Could not fetch URL {redact(url)}: {redact(why)}"
        self.failures.append(message)
        self.note(f"WARNING: {message}")

    def _from_links(self, project: str, links: list[_Link]) -> list[Candidate]:
        found = []
        for link in links:
            url, fragment = urllib.parse.urldefrag(link.url)
            parts = urllib.parse.urlsplit(url)
            filename = urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
            if link.yanked or not filename.endswith((".tar.gz", ".zip")):
                continue  # wheels and other files; yanked releases are never picked
            try:
                name, version = parse_sdist_filename(filename)
            except InvalidSdistFilename:
                continue
            if canonicalize_name(name) != project or not self._python_ok(link.requires_python):
                continue
            if parts.scheme not in ("http", "https", "file"):
                continue
            hashes = link.hashes or tuple(
                (key.lower(), value.lower())
                for key, value in urllib.parse.parse_qsl(fragment)
                if key.lower() in HASH_NAMES
            )
            found.append(Candidate(filename=filename, version=version, url=url, hashes=hashes, size=link.size))
        return found

    def _python_ok(self, requires_python: str | None) -> bool:
        if not requires_python:
            return True
        try:
            return SpecifierSet(requires_python).contains(self.python, prereleases=True)
        except InvalidSpecifier:
            return True  # pip ignores an invalid Requires-Python


def pick(requirement: Requirement, candidates: list[Candidate], *, pre: bool = False) -> Candidate | None:
    """The highest version the specifier allows; pre-releases as pip allows them (when asked for by the
    specifier or ``PIP_PRE``, or when nothing else matches); a ``.tar.gz`` before a ``.zip``."""
    allowed = set(requirement.specifier.filter({c.version for c in candidates}, prereleases=True if pre else None))
    if not allowed:
        return None
    best = max(allowed)
    same = [c for c in candidates if c.version == best]
    return next((c for c in same if c.filename.endswith(".tar.gz")), same[0])


# --- fetching -----------------------------------------------------------------------------------------------


def fetch_sdist(
    requirement_text: str,
    dest: str | os.PathLike,
    *,
    environ: Mapping[str, str] | None = None,
    max_bytes: int = MAX_SDIST_BYTES,
    note: Callable[[str], None] = print,
) -> str:
    """Copy the best sdist for ``requirement_text`` into ``dest``; returns its file name.
    Raises :class:`FetchError`."""
    environ = os.environ if environ is None else environ
    try:
        requirement = Requirement(requirement_text)
    except InvalidRequirement as exc:
        raise FetchError(f"invalid requirement {requirement_text!r}: {exc}") from None
    if requirement.url:
        raise FetchError(f"a requirement with a URL is not fetched: {requirement_text!r}")
    settings = load_settings(environ)
    if not settings.index_urls and not settings.find_links:
        raise FetchError(f"No matching distribution found for {requirement.name} (no index, no find-links)")
    project = canonicalize_name(requirement.name)
    http = Http(settings, environ)
    try:
        finder = Finder(settings, http, note)
        best = pick(requirement, finder.candidates(project), pre=settings.pre)
        if best is None:
            failed = f" ({'; '.join(finder.failures)})" if finder.failures else ""
            raise FetchError(f"No matching distribution found for {requirement.name}{failed}")
        return _copy(best, os.fspath(dest), http, max_bytes)
    finally:
        http.close()


def _copy(candidate: Candidate, dest: str, http: Http, max_bytes: int) -> str:
    name = candidate.filename
    if not SDIST_NAME.fullmatch(name):
        raise FetchError(f"unexpected source file name {name!r}")
    if candidate.size is not None and candidate.size > max_bytes:
        raise FetchError(f"{name} is over the size cap ({max_bytes} bytes)")
    expected = dict(candidate.hashes)
    hash_name = next((h for h in HASH_NAMES if h in expected), None)
    if candidate.url.startswith(("http:", "https:")) and not http.is_secure(candidate.url):
        raise FetchError(f"{name}: {redact(candidate.url)} is not a trusted or secure host")
    os.makedirs(dest, exist_ok=True)
    target = os.path.join(os.path.abspath(dest), name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError:
        raise FetchError(f"{name} is already in the download folder") from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            digest = _write(candidate, out, http, max_bytes, hash_name)
        if hash_name and digest != expected[hash_name]:
            raise FetchError(f"{name}: hash mismatch ({hash_name} {digest}, the index gives {expected[hash_name]})")
    except BaseException:
        os.unlink(target)
        raise
    return name


def _write(candidate: Candidate, out, http: Http, max_bytes: int, hash_name: str | None) -> str | None:  # noqa: ANN001
    for attempt in range(http.settings.retries + 1):
        digest = hashlib.new(hash_name) if hash_name else None
        out.seek(0)
        out.truncate()
        size = 0
        try:
            for chunk in _chunks(candidate, http, max_bytes):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{candidate.filename} is over the size cap ({max_bytes} bytes)")
                if digest:
                    digest.update(chunk)
                out.write(chunk)
            return digest.hexdigest() if digest else None
        except (httpx.TransportError, httpx.StreamError) as exc:
            if attempt >= http.settings.retries:
                raise FetchError(
                    f"Could not fetch URL {redact(candidate.url)}: {type(exc).__name__}: {redact(str(exc))}"
                ) from None
            time.sleep(min(0.25 * 2**attempt, 4.0))
    raise AssertionError("unreachable")


def _chunks(candidate: Candidate, http: Http, max_bytes: int) -> Iterator[bytes]:
    if candidate.url.startswith("file:"):
        path = urllib.request.url2pathname(urllib.parse.urlsplit(candidate.url).path)
        with open(path, "rb") as source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise FetchError(f"{candidate.filename} is not a regular file")
            yield from iter(lambda: source.read(1 << 20), b"")
        return
    # identity: the bytes the hash is of (a server may otherwise gzip a .tar.gz once more)
    with http.stream(candidate.url, {"Accept-Encoding": "identity"}) as response:
        if response.status_code >= 400:
            raise FetchError(f"Could not fetch URL {redact(candidate.url)}: HTTP error {response.status_code}")
        if not http.is_secure(str(response.url)):
            raise FetchError(f"{candidate.filename}: redirected to an insecure location {redact(str(response.url))}")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"{candidate.filename} is over the size cap ({max_bytes} bytes)")
        yield from response.iter_raw(1 << 20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch one requirement's sdist without building it.")
    parser.add_argument("--no-binary", default=":all:", help="accepted for pip compatibility; always :all:")
    parser.add_argument("-d", "--dest", required=True, help="the download folder")
    parser.add_argument("--max-bytes", type=int, default=MAX_SDIST_BYTES, help="size cap of the sdist")
    parser.add_argument("requirement")
    args = parser.parse_args(argv)
    try:
        name = fetch_sdist(
            args.requirement, args.dest, max_bytes=args.max_bytes, note=lambda line: print(line, flush=True)
        )
    except FetchError as exc:
        print(f"ERROR: {exc}", flush=True)
        return 1
    except (OSError, ValueError, ssl.SSLError) as exc:
        print(f"ERROR: {type(exc).__name__}: {redact(str(exc))}", flush=True)
        return 1
    print(f"FETCHED {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
