"""Policies stop being public by default: ``published`` (the owner's choice) and ``baseline``
(staff's). The demo policy, staff uploads and whichever policy is active stay public."""

from django.db import migrations, models
from django.db.models import Q


def existing_baselines(apps, schema_editor):
    AgentModel = apps.get_model("agents", "AgentModel")
    AgentModel.objects.filter(Q(source__in=["demo", "upload"]) | Q(active=True)).update(baseline=True)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agentmodel",
            name="published",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="agentmodel",
            name="baseline",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(existing_baselines, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agentmodel",
            constraint=models.CheckConstraint(
                condition=~Q(active=True) | Q(published=True) | Q(baseline=True), name="agents_active_is_public"
            ),
        ),
    ]
