"""A benchmark's phases: the dates and limits that admit uploads and jobs, and the board rule.

The tables were born in ``leaderboard`` and keep their names (``db_table``): the models
moved here so that ``submissions`` and ``jobs`` can ask the clock directly, below them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


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
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA zone whose midnight resets the daily limit, e.g. Europe/Paris."
    )
    ranks_on = models.CharField(max_length=8, choices=RankedPart.choices, default=RankedPart.PRIVATE)
    max_per_day = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs per user per day; empty: no cap.")
    max_total = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs per user in the phase.")
    max_concurrent = models.PositiveIntegerField(null=True, blank=True, help_text="Pending or running jobs per user.")
    final_max = models.PositiveIntegerField(default=2, help_text="Entries each user may mark final.")
    board_visible = models.BooleanField(default=True, help_text="Show the board while the phase runs.")
    revealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "leaderboard_phase"
        ordering = ["benchmark", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
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

    @property
    def has_limits(self) -> bool:
        """Whether a job is admitted only after counting the owner's jobs in this phase."""
        return any(v is not None for v in (self.max_per_day, self.max_total, self.max_concurrent))

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
                overlapping = (
                    Phase.objects.filter(
                        benchmark=self.benchmark, starts_at__lt=self.ends_at, ends_at__gt=self.starts_at
                    )
                    .exclude(pk=self.pk)
                    .first()
                )
                if overlapping:
                    errors["starts_at"] = (
                        f"Overlaps {overlapping.name!r} ({overlapping.starts_at:%Y-%m-%d %H:%M} to "
                        f"{overlapping.ends_at:%Y-%m-%d %H:%M}); phases of a benchmark follow each other."
                    )
        if errors:
            raise ValidationError(errors)


class PhaseAudit(models.Model):
    """When a phase was closed or revealed, and by whom (append-only; no actor: the sweeper)."""

    benchmark = models.SlugField(max_length=64)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="audit")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "leaderboard_phaseaudit"
        ordering = ["-at"]
