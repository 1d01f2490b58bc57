"""The entry owner's writes: the method card and the listing (unlisted: off the public board).

For the entry's owner only; anyone else, staff included, gets 404 (staff hide entries through the
admin, with a reason and an audit row).
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser

from core.errors import NotFound
from core.method_card import MethodCard
from leaderboard.board_cache import board_changed
from leaderboard.models import Entry
from teams.selectors import is_member

logger = logging.getLogger(__name__)


def owned_entry(*, user: AbstractBaseUser, entry_id: int) -> Entry:
    """An entry the user owns; any other answers 404 (never 403: ids are not an oracle)."""
    entry = Entry.objects.filter(pk=entry_id).first() if user.is_authenticated else None
    if entry is None or not may_edit(user, entry):
        raise NotFound(f"No entry {entry_id} of yours.")
    return entry


def may_edit(user: AbstractBaseUser, entry: Entry) -> bool:
    """The user's own entry, or an entry of a team they are in (every member edits the team's card)."""
    if entry.team_id is not None:
        return is_member(user=user, team_id=entry.team_id)
    return entry.owner_id == user.pk


def entry_set_card(*, user: AbstractBaseUser, entry_id: int, card: MethodCard) -> Entry:
    entry = owned_entry(user=user, entry_id=entry_id)
    Entry.objects.filter(pk=entry.pk).update(
        description=card.description, paper_url=card.paper_url, code_url=card.code_url
    )
    board_changed(entry.benchmark)
    entry.refresh_from_db()
    logger.info("entry card set", extra={"entry": entry.pk, "user": user.pk})
    return entry


def entry_set_listing(*, user: AbstractBaseUser, entry_id: int, unlisted: bool) -> Entry:
    entry = owned_entry(user=user, entry_id=entry_id)
    Entry.objects.filter(pk=entry.pk).update(unlisted=unlisted)
    board_changed(entry.benchmark)
    entry.refresh_from_db()
    logger.info("entry listing set", extra={"entry": entry.pk, "user": user.pk, "unlisted": unlisted})
    return entry


def card_from_submission(entry: Entry, submission) -> None:
    """A completed job's submission brings its card to the entry when it has one (the newest wins);
    a submission without a card leaves the entry's card, perhaps edited since, alone."""
    if not (submission.description or submission.paper_url or submission.code_url):
        return
    Entry.objects.filter(pk=entry.pk).update(
        description=submission.description, paper_url=submission.paper_url, code_url=submission.code_url
    )
