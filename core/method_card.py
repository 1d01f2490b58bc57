"""A method card: a Markdown description, a paper URL and a code URL, written by a participant.

Everything in it is hostile. The description is rendered by markdown-it with raw HTML turned off,
then cleaned by nh3 (an allow-list of tags, attributes and URL schemes), so a ``<script>`` or an
``onerror=`` comes out as text or not at all. The URLs must be absolute http(s) URLs: a
``javascript:`` link on the board is refused at the door, not escaped later.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from core.errors import InvalidInput

MAX_DESCRIPTION_CHARS = 20_000
MAX_URL_CHARS = 500

# Raw HTML off ("js-default" also turns off linkify's surprises); tables on, for results.
_MARKDOWN = MarkdownIt("js-default").enable("table")
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


@dataclass(frozen=True)
class MethodCard:
    description: str = ""
    paper_url: str = ""
    code_url: str = ""


def _clean_url(value: str | None, what: str) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_CHARS or not url.isprintable():
        raise InvalidInput(f"{what} must be a URL of at most {MAX_URL_CHARS} characters.", code="bad_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"{what} must be an absolute http(s) URL.", code="bad_url")
    return url


def method_card(*, description: str | None = "", paper_url: str | None = "", code_url: str | None = "") -> MethodCard:
    """The card as stored, checked: the description's length, the URLs' schemes (InvalidInput otherwise)."""
    text = (description or "").replace("\r\n", "\n")
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(
            f"description is longer than {MAX_DESCRIPTION_CHARS} characters.", code="description_too_long"
        )
    if "\x00" in text:
        raise InvalidInput("description must not contain NUL characters.", code="bad_description")
    return MethodCard(
        description=text,
        paper_url=_clean_url(paper_url, "paper_url"),
        code_url=_clean_url(code_url, "code_url"),
    )


def render_markdown(text: str) -> str:
    """Safe HTML for a description: Markdown without raw HTML, then nh3's allow-list (links get
    ``rel="noopener noreferrer nofollow"``)."""
    html = _MARKDOWN.render(text or "")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
