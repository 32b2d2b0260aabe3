"""The change log behind /api/v1/changes/, seeded with one entry per existing object."""

import django.utils.timezone
from django.db import migrations, models


def seed(apps, schema_editor):
    # The feed's own seeding, with today's selectors: who may read what is decided there and
    # nowhere else. It reads ids only (no model's full column list), so later migrations
    # that add columns do not break it.
    from cooperation.changes import seed as seed_log

    seed_log()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_feed_org_admin"),
        ("cooperation", "0007_access_annotation_audience"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangeEntry",
            fields=[
                ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=16)),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "staff",
                    models.BooleanField(
                        help_text="Internal users other than its author could read it."
                    ),
                ),
                ("partners", models.BooleanField(help_text="Partners could read it.")),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "change log entry",
                "verbose_name_plural": "change log entries",
                "ordering": ["seq"],
                "indexes": [
                    models.Index(fields=["kind", "object_id", "seq"], name="change_object_idx")
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
