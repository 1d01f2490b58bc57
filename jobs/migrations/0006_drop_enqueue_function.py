"""The enqueue is one ORM transaction again (jobs/services.py): ``lb_job_enqueue`` goes.

The quota rule now has one definition, ``jobs.selectors.counts_against_quota``; the
PL/pgSQL copy of it (migrations 0003 and 0005) is dropped. Reversing recreates it as 0005
left it.
"""

import importlib

from django.db import migrations

_0003 = importlib.import_module("jobs.migrations.0003_enqueue_function")
_0005 = importlib.import_module("jobs.migrations.0005_scored_jobs_count")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0003.DROP)


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0005.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_scored_jobs_count"),
    ]

    operations = [migrations.RunPython(drop, recreate)]
