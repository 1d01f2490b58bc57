"""Where admission finds a benchmark's phases in the shared cache, and how a change forgets them.

Every enqueue and upload asks which phase runs (``selectors.admission_phases``), so the
rows are cached per benchmark. A save or delete of a phase (admin, shell) forgets them
here; the writes that change phases with a conditional update (the close and the reveal
in ``leaderboard.finals``) forget them through ``leaderboard.board_cache.board_changed``.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, transaction

from core.cache_keys import namespace

logger = logging.getLogger(__name__)


def phases_key(slug: str) -> str:
    return f"lb:phases:{namespace()}:{slug}"


def forget_phases(slug: str) -> None:
    cache.delete(phases_key(slug))


def _forget_quietly(slug: str) -> None:
    try:
        forget_phases(slug)
    except Exception:  # the cache is down: nothing can be read from it either
        logger.warning("could not forget the phases of %s", slug, exc_info=True)


def phases_changed(slug: str) -> None:
    """Forget the cached phases of ``slug`` now and again once the current transaction commits
    (a reader between the two would cache the old rows)."""
    _forget_quietly(slug)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _forget_quietly(slug))


def _changed_by_save(sender, instance, **kwargs) -> None:
    phases_changed(instance.benchmark)


def connect_signals() -> None:
    """Called by ``PhasesConfig.ready``."""
    from django.db.models.signals import post_delete, post_save

    from phases.models import Phase

    post_save.connect(_changed_by_save, sender=Phase, dispatch_uid="phases-cache-save")
    post_delete.connect(_changed_by_save, sender=Phase, dispatch_uid="phases-cache-delete")
