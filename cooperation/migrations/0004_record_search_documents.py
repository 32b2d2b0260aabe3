"""PostgreSQL: each record table keeps its weighted search vector in a stored column.

The GIN expression indexes answer which rows match; ranking them needs the vector of
every match, and recomputing to_tsvector for each was most of a search's time at
100,000 records (docs/benchmarks.md). A stored generated column holds that vector, so
PostgreSQL keeps it current on every insert and update, bulk ones included. The
expression is the one `cooperation.models.search.weighted_vector("record")` builds;
tests/cooperation/test_search.py checks that both give the same ranks. SQLite has no
such column: its search is the fallback in cooperation/search.py.
"""

from django.db import migrations

RECORD_TABLES = (
    "cooperation_agreement",
    "cooperation_deal",
    "cooperation_challenge",
    "cooperation_recommendation",
)
RECORD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')::text), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')::text), 'B')"
)


def add_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RECORD_TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({RECORD_DOCUMENT}) STORED"
        )


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RECORD_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0003_query_indexes")]

    operations = [migrations.RunPython(add_columns, drop_columns, elidable=False)]
