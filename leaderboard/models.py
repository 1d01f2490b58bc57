from __future__ import annotations

from django.conf import settings
from django.db import models


class Entry(models.Model):
    """One line of a board: a user's method on a benchmark.

    Created when its first job completes. Staff flags live here, so hiding an
    entry hides every job of the method while keeping each of them intact.
    """

    benchmark = models.SlugField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries")
    method = models.CharField(max_length=100)
    baseline = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True, default="")
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["benchmark", "owner", "method"], name="unique_entry_per_method")
        ]

    def __str__(self) -> str:
        return f"{self.method} by {self.owner} on {self.benchmark}"


class EntryAudit(models.Model):
    """Who hid, unhid or badged an entry, when and why (append-only)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="audit")
    action = models.CharField(max_length=32)
    reason = models.TextField(blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]


class BenchmarkState(models.Model):
    """Per-benchmark lifecycle: open (public part ranks) or closed (private part published)."""

    slug = models.SlugField(max_length=64, primary_key=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None
