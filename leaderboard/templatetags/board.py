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
