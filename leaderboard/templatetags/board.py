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


@register.filter
def dataset_id(value) -> str:
    """A recorded ``dataset_version`` as it may be shown: the set's random id, or "legacy" for records made
    before those ids (they held a hash of facts that include the hidden seed)."""
    from jobs.scoring.datasets import public_id

    return public_id(value)


@register.filter
def public_seeds(seeds) -> dict:
    """A record's seeds without ``hidden_data_fingerprint``, an unkeyed hash of the hidden seed that earlier
    versions stored with every job."""
    return {k: v for k, v in (seeds or {}).items() if k != "hidden_data_fingerprint"}


@register.simple_tag
def current_dataset(slug: str) -> str | None:
    """The id of the benchmark's current hidden set (None when none is prepared)."""
    from benchmarks import registry
    from jobs.scoring.datasets import dataset_id

    try:
        return dataset_id(registry.get(slug))
    except registry.UnknownBenchmark:
        return None
