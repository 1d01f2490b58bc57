"""Huey tasks of the leaderboard: the phase sweeper and the reproduction of ended phases."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute=f"*/{max(1, settings.LB_SWEEP_INTERVAL_S // 60)}"))
def reveal_ended_phases() -> int:
    """Reveal ended private phases once their last job has finished (the staff close may come first)."""
    from leaderboard.finals import phases_reveal_due

    revealed = phases_reveal_due()
    if revealed:
        logger.info("revealed %d phase(s)", revealed)
    return revealed


@db_periodic_task(crontab(minute=f"*/{max(1, settings.LB_SWEEP_INTERVAL_S // 60)}"))
def reproduce_ended_phases() -> int:
    """Re-run the top lines of each phase that has ended (leaderboard/reproduction.py), once per phase."""
    from leaderboard.reproduction import phases_reproduce_due

    made = phases_reproduce_due()
    if made:
        logger.info("queued %d reproduction run(s)", made)
    return made
