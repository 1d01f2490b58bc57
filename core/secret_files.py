"""Secrets an installation makes for itself, kept under ``LB_DATA_DIR`` readable by its owner only.

The Django secret key of a set-up without ``DJANGO_SECRET_KEY`` (``make run``:
``LB_DATA_DIR/secret-key``) and ``make run``'s admin password
(``LB_DATA_DIR/admin-password``). Reading writes nothing, so settings may read
a key at import; making one happens at run time (``config.startup``,
``scripts/run.sh``), never at import, and no image build bakes one in.

Imports nothing of Django: ``scripts/run.sh`` calls it before Django is set up
(``python -m core.secret_files PATH [NBYTES]`` prints the secret, making it if missing).
The hidden-data seed (``jobs/scoring/seed.py``) is made the same way, by ``create_once``.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path

SECRET_KEY_FILE = "secret-key"


def read_secret(path: Path) -> str | None:
    """The secret kept at ``path``; None when there is none (missing or empty)."""
    try:
        text = Path(path).read_text().strip()
    except FileNotFoundError:
        return None
    return text or None


def ensure_secret(path: Path, *, nbytes: int = 50) -> str:
    """The secret kept at ``path``, made (mode 0600) on the first call anywhere.

    A file left readable by others (``make run`` wrote the admin password 0644
    before) is made 0600 on the way.
    """
    path = Path(path)
    secret = read_secret(path)
    if secret is None:
        create_once(path, secrets.token_urlsafe(nbytes) + "\n")
        secret = read_secret(path)  # ours, or that of the process that got there first
        if secret is None:
            raise RuntimeError(f"{path} exists but is empty: delete it to have a new secret made")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)
    return secret


def create_once(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` (mkstemp: 0600 whatever the umask) and link it into
    place, unless ``path`` exists: a web and a worker process starting together both end
    up reading the one that won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic; fails if another process got there first
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def main(argv: list[str]) -> int:
    if not 2 <= len(argv) <= 3:
        print("usage: python -m core.secret_files PATH [NBYTES]", file=sys.stderr)
        return 2
    print(ensure_secret(Path(argv[1]), nbytes=int(argv[2]) if len(argv) == 3 else 50))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
