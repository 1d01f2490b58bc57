"""What an entry's owner controls: its method card and whether it is listed on the public board.

The board selectors ask two questions here (:func:`listed`, :func:`card_of`); the owner's writes are
in ``leaderboard/entry_owner.py``.
"""

from __future__ import annotations

from core.method_card import render_markdown
from leaderboard.models import Entry


def listed(entry: Entry | None, revealed: bool) -> bool:
    """Whether a board lists the entry's jobs: never a hidden one (staff's flag); an unlisted one
    (the owner's) only in a revealed private ranking, where its final marks count like any other."""
    if entry is None:
        return True
    if entry.hidden:
        return False
    return revealed or not entry.unlisted


def card_of(entry: Entry | None) -> dict | None:
    """The card as the board's JSON carries it (the raw Markdown: clients render it themselves)."""
    if entry is None or not (entry.description or entry.paper_url or entry.code_url):
        return None
    return {"description": entry.description, "paper_url": entry.paper_url, "code_url": entry.code_url}


def card_html(entry: Entry) -> str:
    """The description as safe HTML for the entry page (core.method_card.render_markdown)."""
    return render_markdown(entry.description)
