from __future__ import annotations

from django.conf import settings
from django.db import models

from phases.models import Phase


class Entry(models.Model):
    """One line of a board: a user's method on a benchmark.

    Created when its first job completes. Staff flags live here, so hiding an
    entry hides every job of the method while keeping each of them intact.
    """

    benchmark = models.SlugField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries")
    method = models.CharField(max_length=100)
    # A team's entry (keyed by team and method; ``owner`` is the member whose job made it).
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    baseline = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True, default="")
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    # The owner's choice: an unlisted entry is off the public board but still counts for finals.
    unlisted = models.BooleanField(default=False)
    # The method card (Markdown description rendered through nh3; the URLs are http(s) only).
    description = models.TextField(blank=True, default="")
    paper_url = models.URLField(max_length=500, blank=True, default="")
    code_url = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark", "owner", "method"],
                condition=models.Q(team__isnull=True),
                name="unique_entry_per_method",
            ),
            models.UniqueConstraint(
                fields=["benchmark", "team", "method"],
                condition=models.Q(team__isnull=False),
                name="unique_team_entry_per_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} by {self.team or self.owner} on {self.benchmark}"


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
    """One row per registered benchmark (made by ``bootstrap``); staff close a benchmark from its admin.

    The lifecycle itself lives in :class:`phases.models.Phase`: a benchmark with no phase has
    one implicit open phase, which the staff "close" action turns into a real,
    ended phase (see ``leaderboard.finals.phase_close``).
    """

    slug = models.SlugField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.slug


class FinalMark(models.Model):
    """An entry its owner chose for the private ranking, pinned to one completed job.

    ``phase`` is null for a benchmark's implicit phase. Rows with ``by_default``
    are written at the reveal for users who marked nothing (their best public entry).
    """

    benchmark = models.SlugField(max_length=64)
    phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.PROTECT, related_name="finals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="finals")
    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="+")
    by_default = models.BooleanField(default=False)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["marked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "entry"],
                condition=models.Q(phase__isnull=False),
                name="one_final_mark_per_entry_and_phase",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(phase__isnull=True),
                name="one_final_mark_per_entry_in_implicit_phase",
            ),
        ]
        indexes = [models.Index(fields=["benchmark", "owner"])]
