"""Where this installation's entries live in the shared cache.

The namespace carries the database's name, so installations (and test stacks) that
share one Redis never read each other's boards or phases (``leaderboard.board_cache``,
``phases.selectors``).
"""

from __future__ import annotations

import hashlib

from django.db import connection


def namespace() -> str:
    return hashlib.sha1(str(connection.settings_dict.get("NAME", "")).encode()).hexdigest()[:8]
