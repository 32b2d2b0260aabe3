"""Create and drop the prototype's tables with Django's own schema editor.

So the spine's tables, constraints and indexes are exactly what Django would make
from bench/spine_proto/models.py, plus the stored search vector (migration 0004's,
moved from the four kind tables to the spine).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

RECORD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')::text), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')::text), 'B')"
)


def proto_models():
    """Every managed model of the prototype (create_model makes their link tables too)."""
    return [
        model
        for model in apps.get_app_config("spine_proto").get_models()
        if model._meta.managed and not model._meta.proxy
    ]


def drop_tables() -> None:
    with connection.cursor() as cursor:
        for model in apps.get_app_config("spine_proto").get_models(include_auto_created=True):
            if model._meta.managed:
                cursor.execute(f'DROP TABLE IF EXISTS "{model._meta.db_table}" CASCADE')


def create_tables() -> None:
    """Tables first, foreign keys after (Django defers them), then the stored vector."""
    models = proto_models()
    with connection.schema_editor() as editor:
        for model in models:
            editor.create_model(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE spine_proto_record ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({RECORD_DOCUMENT}) STORED"
        )
