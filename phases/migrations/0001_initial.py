# The Phase and PhaseAudit models moved here from ``leaderboard`` (their tables did not:
# ``db_table`` keeps ``leaderboard_phase`` and ``leaderboard_phaseaudit``). This migration
# only tells Django's state; ``leaderboard/0003`` removes them from the leaderboard's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The tables are made by leaderboard's 0002: on an empty database they exist before
        # any later migration of this app alters them.
        ("leaderboard", "0002_phases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Phase",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("benchmark", models.SlugField(max_length=64)),
                        ("name", models.CharField(max_length=100)),
                        ("starts_at", models.DateTimeField()),
                        ("ends_at", models.DateTimeField()),
                        (
                            "timezone",
                            models.CharField(
                                default="UTC",
                                help_text="IANA zone whose midnight resets the daily limit, e.g. Europe/Paris.",
                                max_length=64,
                            ),
                        ),
                        (
                            "ranks_on",
                            models.CharField(
                                choices=[
                                    ("public", "public part (no reveal)"),
                                    ("private", "private part, revealed at the end"),
                                ],
                                default="private",
                                max_length=8,
                            ),
                        ),
                        (
                            "max_per_day",
                            models.PositiveIntegerField(
                                blank=True, help_text="Jobs per user per day; empty: no cap.", null=True
                            ),
                        ),
                        (
                            "max_total",
                            models.PositiveIntegerField(blank=True, help_text="Jobs per user in the phase.", null=True),
                        ),
                        (
                            "max_concurrent",
                            models.PositiveIntegerField(
                                blank=True, help_text="Pending or running jobs per user.", null=True
                            ),
                        ),
                        (
                            "final_max",
                            models.PositiveIntegerField(default=2, help_text="Entries each user may mark final."),
                        ),
                        (
                            "board_visible",
                            models.BooleanField(default=True, help_text="Show the board while the phase runs."),
                        ),
                        ("revealed_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "revealed_by",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "leaderboard_phase",
                        "ordering": ["benchmark", "starts_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                                name="phase_ends_after_start",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PhaseAudit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("benchmark", models.SlugField(max_length=64)),
                        ("action", models.CharField(max_length=32)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("at", models.DateTimeField()),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "phase",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="audit", to="phases.phase"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "leaderboard_phaseaudit",
                        "ordering": ["-at"],
                    },
                ),
            ],
        ),
    ]
