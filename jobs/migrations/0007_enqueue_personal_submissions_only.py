"""``lb_job_enqueue`` takes personal submissions only: a team's submission counts against the team's
limits (jobs/team_quota.py), so the one statement reads it as "no submission" and inserts nothing; the
caller then finds the team and decides in the transaction path. The same condition is in
``jobs.enqueue_sql`` (``s.team_id IS NULL``) for SQLite and the transaction path's check."""

import importlib

from django.db import migrations

_0005 = importlib.import_module("jobs.migrations.0005_scored_jobs_count")

OLD = "WHERE s.id = v_submission AND (p_visible_to_all OR s.owner_id = v_owner)),"
NEW = "WHERE s.id = v_submission AND s.team_id IS NULL AND (p_visible_to_all OR s.owner_id = v_owner)),"
assert OLD in _0005.CREATE
CREATE = _0005.CREATE.replace(OLD, NEW)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0005.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0006_job_team"),
        ("submissions", "0003_submission_team"),
    ]

    operations = [migrations.RunPython(create, restore)]
