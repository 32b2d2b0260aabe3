"""Fill the record spine: one row per record, then point every attachment at it.

Written in SQL that SQLite and PostgreSQL both run, so a database of 100,000 records
migrates in seconds rather than a Python loop over every row. Attachments still carry
their (content type, object id) pair here; 0017 drops it once it has been translated.
A link that names no record (the generic relation could not prevent one) stops the
migration with the rows it found, except notifications and watches, which would be
removed with their record anyway.
"""

from django.db import migrations

KINDS = ("agreement", "deal", "challenge", "recommendation")

# Tables whose (content_type_id, object_id) pair becomes spine_id.
ATTACHMENTS = (
    ("recordevidence", True),
    ("historicalrecordevidence", False),
    ("annotation", True),
    ("historicalannotation", False),
    ("notification", True),
    ("watch", True),
)


def fill(apps, schema_editor):
    q = schema_editor.quote_name
    spine = q(apps.get_model("cooperation", "RecordSpine")._meta.db_table)
    content_types = q(apps.get_model("contenttypes", "ContentType")._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            table = q(apps.get_model("cooperation", kind)._meta.db_table)
            cursor.execute(
                f"INSERT INTO {spine} (record_kind, kind_id, title, slug, visibility, deleted_at) "
                f"SELECT %s, id, title, slug, visibility, deleted_at FROM {table} ORDER BY id",
                [kind],
            )
            cursor.execute(
                f"UPDATE {table} SET spine_id = (SELECT s.id FROM {spine} s "
                f"WHERE s.record_kind = %s AND s.kind_id = {table}.id)",
                [kind],
            )
        for name, live in ATTACHMENTS:
            table = q(apps.get_model("cooperation", name)._meta.db_table)
            cursor.execute(
                f"UPDATE {table} SET spine_id = (SELECT s.id FROM {spine} s "
                f"JOIN {content_types} ct ON ct.app_label = 'cooperation' "
                f"AND ct.model = s.record_kind "
                f"WHERE ct.id = {table}.content_type_id AND s.kind_id = {table}.object_id) "
                f"WHERE content_type_id IS NOT NULL"
            )
            if not live:
                continue  # history keeps what it had; a vanished record leaves spine_id empty
            cursor.execute(
                f"SELECT id FROM {table} WHERE content_type_id IS NOT NULL AND spine_id IS NULL"
            )
            dangling = [row[0] for row in cursor.fetchall()]
            if not dangling:
                continue
            if name in ("notification", "watch"):
                cursor.execute(
                    f"DELETE FROM {table} WHERE content_type_id IS NOT NULL AND spine_id IS NULL"
                )
                continue
            raise RuntimeError(
                f"{len(dangling)} {name} row(s) point at no record (ids {dangling[:20]}); "
                "repair or remove them, then migrate again."
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cooperation", "0015_record_spine"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
