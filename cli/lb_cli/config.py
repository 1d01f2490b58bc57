"""Where lb finds the server and the token: LB_URL / LB_TOKEN, else the file `lb login` wrote."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


def config_path() -> Path:
    if os.environ.get("LB_CONFIG"):
        return Path(os.environ["LB_CONFIG"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "lb" / "config.json"


@dataclass
class Config:
    url: str
    token: str


def load() -> Config:
    stored = {}
    path = config_path()
    if path.exists():
        stored = json.loads(path.read_text())
    return Config(
        url=(os.environ.get("LB_URL") or stored.get("url") or "").rstrip("/"),
        token=os.environ.get("LB_TOKEN") or stored.get("token") or "",
    )


def save(config: Config) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The token is a secret: the file is the user's only (0600) from its first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": config.url, "token": config.token}, handle)
    return path
