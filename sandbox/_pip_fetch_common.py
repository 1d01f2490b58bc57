"""What ``_pip_fetch_sdist.py`` reads before it picks an sdist: the operator's pip settings,
HTTP with pip's trust, proxy and retry settings, and the simple repository's pages (PEP 503
HTML, PEP 691 JSON). Public interfaces only (``httpx``, ``packaging``); no Django: the
worker runs the script with the operator's pip environment only."""

from __future__ import annotations

import configparser
import html.parser
import ipaddress
import json
import os
import re
import ssl
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from packaging.version import Version

MAX_SDIST_BYTES = 512 * 1024 * 1024
MAX_PAGE_BYTES = 64 * 1024 * 1024  # one project's index page
DEFAULT_INDEX_URL = "https://pypi.org/simple"
SDIST_NAME = re.compile(r"[A-Za-z0-9._+-]+\.(tar\.gz|zip)")
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
HASH_NAMES = ("sha512", "sha384", "sha256", "sha224", "sha1", "md5")  # strongest first, as pip accepts them
_TRUE, _FALSE = {"1", "y", "yes", "t", "true", "on"}, {"0", "n", "no", "f", "false", "off", ""}


class FetchError(Exception):
    """Printed as ``ERROR: <message>``; the caller reads pip-like markers in it."""


@dataclass
class Settings:
    """The operator's pip settings that matter for finding and fetching one sdist."""

    index_urls: list[str]
    find_links: list[str]
    trusted_hosts: set[str] = field(default_factory=set)
    cert: str | None = None
    client_cert: str | None = None
    timeout: float = 15.0
    retries: int = 5
    pre: bool = False
    proxy: str | None = None


@dataclass(frozen=True)
class Candidate:
    filename: str
    version: Version
    url: str  # without the fragment; file: URLs only come from local sources
    hashes: tuple[tuple[str, str], ...] = ()
    size: int | None = None


# --- settings -----------------------------------------------------------------------------------------------


def load_settings(environ: Mapping[str, str]) -> Settings:
    """pip's precedence: configuration files ([global], then [download]), then ``PIP_*`` variables."""
    values = _config_file_values(environ)
    for key, value in environ.items():
        if key.startswith("PIP_") and key != "PIP_CONFIG_FILE":
            values[key[4:].lower().replace("_", "-")] = value

    def get(*names: str) -> str | None:
        return next((values[name] for name in names if name in values), None)

    def flag(name: str) -> bool:
        raw = (get(name) or "").strip().lower()
        if raw not in _TRUE | _FALSE:
            raise FetchError(f"invalid value for {name}: {raw!r}")
        return raw in _TRUE

    index_url = (get("index-url", "i") or DEFAULT_INDEX_URL).strip()
    extra = (get("extra-index-url") or "").split()
    return Settings(
        index_urls=[] if flag("no-index") else [index_url, *extra],
        find_links=(get("find-links", "f") or "").split(),
        trusted_hosts=set((get("trusted-host") or "").split()),
        cert=get("cert")
        or environ.get("REQUESTS_CA_BUNDLE")
        or environ.get("CURL_CA_BUNDLE")
        or environ.get("SSL_CERT_FILE")
        or None,
        client_cert=get("client-cert") or None,
        timeout=float(get("timeout", "default-timeout") or 15),
        retries=int(get("retries") or 5),
        pre=flag("pre"),
        proxy=get("proxy") or None,
    )


def _config_file_values(environ: Mapping[str, str]) -> dict[str, str]:
    """pip's configuration files, lowest precedence first (global, user, site, ``PIP_CONFIG_FILE``);
    ``PIP_CONFIG_FILE=/dev/null`` loads none."""
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return {}
    xdg_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(folder, "pip", "pip.conf") for folder in xdg_dirs] + ["/etc/pip.conf"]
    home = environ.get("HOME") or os.path.expanduser("~")
    if not (env_file and os.path.exists(env_file)):
        files += [
            os.path.join(home, ".pip", "pip.conf"),
            os.path.join(environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "pip", "pip.conf"),
        ]
    files.append(os.path.join(sys.prefix, "pip.conf"))
    if env_file:
        files.append(env_file)
    values: dict[str, str] = {}
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise FetchError(f"pip configuration file {path} could not be read: {exc}") from None
        for section in ("global", "download"):
            if parser.has_section(section):
                values.update({key.lower().replace("_", "-"): value for key, value in parser.items(section)})
    return values


# --- HTTP ---------------------------------------------------------------------------------------------------


class Http:
    """``httpx`` clients (verified, and unverified for ``trusted-host``s) with pip's origin rules,
    the credentials given in index URLs, and retries of connection failures."""

    def __init__(self, settings: Settings, environ: Mapping[str, str]) -> None:
        self.settings, self.environ = settings, environ
        self._clients: dict[bool, httpx.Client] = {}
        self._credentials: dict[str, tuple[str, str]] = {}
        for url in settings.index_urls + settings.find_links:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https") and parts.username is not None:
                self._credentials[_netloc(parts)] = (
                    urllib.parse.unquote(parts.username),
                    urllib.parse.unquote(parts.password or ""),
                )

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def is_secure(self, url: str) -> bool:
        """pip's secure origins: https, loopback, or a ``trusted-host``."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https" or self._trusted(parts):
            return True
        if parts.scheme != "http":
            return False
        host = parts.hostname or ""
        try:
            return host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def _trusted(self, parts: urllib.parse.SplitResult) -> bool:
        return bool({parts.hostname, _netloc(parts)} & self.settings.trusted_hosts)

    def _client(self, url: str) -> httpx.Client:
        verify = not self._trusted(urllib.parse.urlsplit(url))
        if verify not in self._clients:
            self._clients[verify] = httpx.Client(
                verify=self._ssl_context(verify),
                timeout=self.settings.timeout,
                follow_redirects=True,
                trust_env=True,
                proxy=self.settings.proxy,
                headers={"User-Agent": "leaders-board-sdist-fetch (httpx)"},
            )
        return self._clients[verify]

    def _ssl_context(self, verify: bool) -> ssl.SSLContext:
        if not verify:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        elif self.settings.cert or self.environ.get("SSL_CERT_DIR"):
            context = ssl.create_default_context(cafile=self.settings.cert, capath=self.environ.get("SSL_CERT_DIR"))
        else:
            context = ssl.create_default_context()  # the system's store
            if not context.cert_store_stats().get("x509_ca"):
                try:
                    import certifi

                    context.load_verify_locations(cafile=certifi.where())
                except ImportError:
                    pass
        if self.settings.client_cert:
            context.load_cert_chain(self.settings.client_cert)
        return context

    def _auth(self, url: str) -> tuple[str, str] | None:
        parts = urllib.parse.urlsplit(url)
        return None if parts.username is not None else self._credentials.get(_netloc(parts))

    def stream(self, url: str, headers: dict[str, str]):
        """An open streamed response (a context manager); connection failures are retried."""
        for attempt in range(self.settings.retries + 1):
            try:
                context = self._client(url).stream("GET", url, headers=headers, auth=self._auth(url))
                response = context.__enter__()
                return _Opened(context, response)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError) as exc:
                if attempt >= self.settings.retries:
                    raise FetchError(
                        f"Could not fetch URL {redact(url)}: {type(exc).__name__}: {redact(str(exc))}"
                    ) from None
                time.sleep(min(0.25 * 2**attempt, 4.0))
        raise AssertionError("unreachable")


class _Opened:
    def __init__(self, context, response: httpx.Response) -> None:  # noqa: ANN001
        self.context, self.response = context, response

    def __enter__(self) -> httpx.Response:
        return self.response

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        self.context.__exit__(*exc_info)


def _netloc(parts: urllib.parse.SplitResult) -> str:
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def redact(text: str) -> str:
    """URLs with their password (or lone user token) shown as ``****``, as pip logs them."""

    def hide(match: re.Match) -> str:
        user, _, password = match.group(2).partition(":")
        return f"{match.group(1)}{user + ':****' if password else '****'}@"

    return re.sub(r"(\b[a-z][a-z0-9+.-]*://)([^/@\s]+)@", hide, text)


# --- pages --------------------------------------------------------------------------------------------------


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "a" and values.get("href"):
            self.anchors.append(values)


@dataclass
class _Link:
    url: str  # absolute, fragment included
    yanked: bool = False
    requires_python: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()
    size: int | None = None


def parse_html(text: str, base_url: str) -> list[_Link]:
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    base = urllib.parse.urljoin(base_url, parser.base) if parser.base else base_url
    return [
        _Link(
            url=urllib.parse.urljoin(base, anchor["href"] or ""),
            yanked="data-yanked" in anchor,
            requires_python=anchor.get("data-requires-python"),
        )
        for anchor in parser.anchors
    ]


def parse_json(text: str, base_url: str) -> list[_Link]:
    """A PEP 691 project page."""
    data = json.loads(text)
    version = str(data.get("meta", {}).get("api-version", "1.0"))
    if not version.startswith("1."):
        raise ValueError(f"unsupported simple API version {version}")
    links = []
    for item in data.get("files", []):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        hashes = item.get("hashes") if isinstance(item.get("hashes"), dict) else {}
        size = item.get("size")
        links.append(
            _Link(
                url=urllib.parse.urljoin(base_url, item["url"]),
                yanked=bool(item.get("yanked")),
                requires_python=item.get("requires-python") or None,
                hashes=tuple((str(k).lower(), str(v).lower()) for k, v in hashes.items()),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return links
