"""Template filters that print a metric as it declares: ``{{ value|in_unit:metric }}``."""

from django import template

from benchmarks.base import Metric

register = template.Library()


@register.filter
def in_unit(value, metric: Metric) -> str:
    """A stored value in the metric's unit at its precision ("96.2"); "—" when missing."""
    return metric.format(value)


@register.filter
def heading(metric: Metric) -> str:
    """The metric's label with its unit: "Image AUROC (%)"."""
    return metric.heading


@register.filter
def slice_named(slices, wanted: dict) -> dict:
    """The slice of ``slices`` with the same group and name as ``wanted`` (the private row of a public one)."""
    return next((s for s in slices or [] if (s["group"], s["name"]) == (wanted["group"], wanted["name"])), {})


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def percent(share) -> str:
    """A share of resamples (0..1) as "97%"; "—" when missing."""
    try:
        return f"{100 * float(share):.0f}%"
    except (TypeError, ValueError):
        return "—"
