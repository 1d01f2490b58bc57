from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
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
    """One row per registered benchmark (made by ``bootstrap``); staff close a benchmark from its admin.

    The lifecycle itself lives in :class:`Phase`: a benchmark with no phase has
    one implicit open phase, which the staff "close" action turns into a real,
    ended phase (see ``leaderboard.finals.phase_close``).
    """

    slug = models.SlugField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.slug


class RankedPart(models.TextChoices):
    PUBLIC = "public", "public part (no reveal)"
    PRIVATE = "private", "private part, revealed at the end"


class PhaseState(models.TextChoices):
    UPCOMING = "upcoming"
    RUNNING = "running"
    ENDED = "ended"


class Phase(models.Model):
    """A stretch of a challenge with dates, limits and a board rule.

    A job belongs to the phase during which it was enqueued (``Job.created_at``
    in ``[starts_at, ends_at)``), so a job that finishes after the end still
    counts. A ``private`` phase shows the public ranking while it runs and, once
    ended and every job admitted in it is finished, reveals the private ranking
    of each participant's final entries.
    """

    benchmark = models.SlugField(max_length=64, db_index=True)
    name = models.CharField(max_length=100)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC",
                                help_text="IANA zone whose midnight resets the daily limit, e.g. Europe/Paris.")
    ranks_on = models.CharField(max_length=8, choices=RankedPart.choices, default=RankedPart.PRIVATE)
    max_per_day = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs per user per day; empty: no cap.")
    max_total = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs per user in the phase.")
    max_concurrent = models.PositiveIntegerField(null=True, blank=True, help_text="Pending or running jobs per user.")
    final_max = models.PositiveIntegerField(default=2, help_text="Entries each user may mark final.")
    board_visible = models.BooleanField(default=True, help_text="Show the board while the phase runs.")
    revealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    revealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["benchmark", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark}: {self.name}"

    @property
    def is_implicit(self) -> bool:
        """The unsaved stand-in for a benchmark with no phase configured."""
        return self.pk is None

    @property
    def leads_to_reveal(self) -> bool:
        return self.ranks_on == RankedPart.PRIVATE

    def state(self, now: datetime) -> str:
        if self.starts_at is not None and now < self.starts_at:
            return PhaseState.UPCOMING
        if self.revealed_at is not None or (self.ends_at is not None and now >= self.ends_at):
            return PhaseState.ENDED
        return PhaseState.RUNNING

    def clean(self) -> None:
        errors = {}
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = f"Unknown time zone {self.timezone!r}."
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = "The end must come after the start."
            else:
                overlapping = Phase.objects.filter(benchmark=self.benchmark, starts_at__lt=self.ends_at,
                                                   ends_at__gt=self.starts_at).exclude(pk=self.pk).first()
                if overlapping:
                    errors["starts_at"] = f"Overlaps {overlapping.name!r} ({overlapping.starts_at:%Y-%m-%d %H:%M} to " \
                                          f"{overlapping.ends_at:%Y-%m-%d %H:%M}); phases of a benchmark follow each other."
        if errors:
            raise ValidationError(errors)


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
            models.UniqueConstraint(fields=["phase", "entry"], condition=models.Q(phase__isnull=False),
                                    name="one_final_mark_per_entry_and_phase"),
            models.UniqueConstraint(fields=["entry"], condition=models.Q(phase__isnull=True),
                                    name="one_final_mark_per_entry_in_implicit_phase"),
        ]
        indexes = [models.Index(fields=["benchmark", "owner"])]


class PhaseAudit(models.Model):
    """When a phase was closed or revealed, and by whom (append-only; no actor: the sweeper)."""

    benchmark = models.SlugField(max_length=64)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="audit")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
