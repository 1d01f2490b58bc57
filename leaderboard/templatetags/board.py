import math

from django import template

register = template.Library()


@register.filter
def metric(value, digits: int = 4) -> str:
    """A metric cell: missing, NaN and infinite read as an em dash."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(number):
        return "—"
    return f"{number:.{digits}f}"


@register.filter
def countdown(seconds) -> str:
    """Seconds left as "2 d 03:04:05" (what static/leaderboard/countdown.js keeps ticking)."""
    try:
        seconds = max(int(seconds), 0)
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days} d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
