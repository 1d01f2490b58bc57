"""What a process does before Django loads its apps (manage.py, ASGI, WSGI).

Kept out of settings, whose import writes nothing: SQLite files (database,
Huey's queue, which Huey opens while the apps load) need LB_DATA_DIR to exist,
and a set-up without DJANGO_SECRET_KEY needs its own secret key.
"""

from __future__ import annotations

from pathlib import Path

from core.secret_files import SECRET_KEY_FILE, ensure_secret


def prepare_data_dir() -> None:
    """Make LB_DATA_DIR and, without DJANGO_SECRET_KEY, this installation's secret key in it."""
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.SECRET_KEY_FROM_ENV:
        # Settings read the file if it was there; on an installation's first start it is
        # made now, before the apps load and anything is signed with the key (password
        # reset and e-mail confirmation links, sessions). Every later process reads the
        # same file, so web and worker agree; the source's fallback is never used.
        key = ensure_secret(data_dir / SECRET_KEY_FILE)
        if settings.SECRET_KEY != key:
            settings.SECRET_KEY = key
