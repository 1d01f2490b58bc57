"""What a process does before Django loads its apps (manage.py, ASGI, WSGI).

Kept out of settings, whose import writes nothing: SQLite files (database,
Huey's queue, which Huey opens while the apps load) need LB_DATA_DIR to exist.
"""

from __future__ import annotations

from pathlib import Path


def prepare_data_dir() -> None:
    from django.conf import settings

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
