"""The HTTP side: one httpx client, the API's {error, detail} bodies as exceptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

import httpx


class ApiError(Exception):
    def __init__(self, code: str, detail: str, status: int | None = None):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.status = code, detail, status


class ProgressReader:
    """Wraps a file so each read advances a progress bar (httpx streams multipart from it)."""

    def __init__(self, handle: BinaryIO, advance: Callable[[int], None]):
        self.handle, self.advance = handle, advance

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.advance(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


class Api:
    def __init__(self, url: str, token: str, timeout: float = 60.0):
        if not url:
            raise ApiError("not_configured", "no server: run `lb login --url URL` or set LB_URL")
        self.http = httpx.Client(
            base_url=url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"} if token else {},
            follow_redirects=False,
        )

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ApiError("timeout", f"{method} {path} timed out ({exc})") from None
        except httpx.HTTPError as exc:
            raise ApiError("connection_failed", f"{self.http.base_url}: {exc}") from None
        if response.status_code >= 400:
            try:
                body = response.json()
                code, detail = body.get("error", "error"), body.get("detail", response.text)
            except ValueError:
                code, detail = f"http_{response.status_code}", response.text.strip()[:200] or response.reason_phrase
            raise ApiError(code, " ".join(str(detail).split()), response.status_code)
        return response

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, **kwargs) -> Any:
        return self.request("POST", path, **kwargs).json()
