"""A score is a spent job: a platform failure after scoring counts against the rate.

``lb_job_enqueue`` (0003) is redefined with the rule of ``jobs.selectors.counts_against_quota``
and ``jobs.enqueue_sql._COUNTED``: a job failed by the platform is free only when it was
never scored (``needs_recording`` false). The rate window's covering index gains
``needs_recording`` so that the count still reads the index alone.
"""

import importlib

from django.db import migrations, models

_0003 = importlib.import_module("jobs.migrations.0003_enqueue_function")

OLD_RULE = "AND NOT (j.status = p_failed AND j.failure_kind = p_platform))"
NEW_RULE = (
    "AND NOT (j.status = p_failed AND j.failure_kind = p_platform\n"
    "                                 AND NOT j.needs_recording))"
)
assert OLD_RULE in _0003.CREATE
CREATE = _0003.CREATE.replace(OLD_RULE, NEW_RULE).replace(
    "-- what the rate does not count", "-- a platform failure is not counted unless it was scored"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0003.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0004_fewer_indexes_covering_rate_window"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="job", name="jobs_job_rate_window_idx"),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                fields=["owner", "created_at", "status", "failure_kind", "needs_recording"],
                name="jobs_job_rate_window_idx",
            ),
        ),
        migrations.RunPython(create, restore),
    ]
