# Phase and PhaseAudit moved to the ``phases`` app (phases/0001), keeping their tables:
# here they leave the leaderboard's state and FinalMark.phase points at the new model,
# with no change to the database. Their content types are renamed so that staff
# permissions and the admin's history stay attached to them.

import django.db.models.deletion
from django.db import migrations, models


def content_types_to(app_label: str, from_label: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in ("phase", "phaseaudit"):
            # On an empty database there are no content types yet (post_migrate makes them).
            if not ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label=from_label, model=model).update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("leaderboard", "0002_phases"),
        ("phases", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="finalmark",
                    name="phase",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="finals",
                        to="phases.phase",
                    ),
                ),
                migrations.DeleteModel(name="PhaseAudit"),
                migrations.DeleteModel(name="Phase"),
            ],
        ),
        migrations.RunPython(content_types_to("phases", "leaderboard"), content_types_to("leaderboard", "phases")),
    ]
