"""Search reads stored, folded documents (cooperation/search_text.py) on every database.

Each searchable table gets `search_a` / `search_b` (and sources `search_d`): its searched
fields per weight, folded by the one Python function queries are folded with. Existing
rows are folded here; the GIN indexes and the records' generated `search_document`
(migration 0004) are rebuilt over the new columns. Hand-edited: the indexes and the
generated column exist on PostgreSQL only (cooperation.models.search).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models

from cooperation.models.search import (
    SEARCH_WEIGHTS,
    PostgresOnlyAddIndex,
    PostgresOnlyRemoveIndex,
    stored_documents,
)

SEARCHABLE = {
    "agreement": "record",
    "deal": "record",
    "challenge": "record",
    "recommendation": "record",
    "source": "source",
    "excerpt": "excerpt",
    "annotation": "annotation",
    "actor": "actor",
    "topic": "topic",
}
RECORD_TABLES = [f"cooperation_{name}" for name, key in SEARCHABLE.items() if key == "record"]
OLD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')::text), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')::text), 'B')"
)
NEW_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(search_a, '')::text), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(search_b, '')::text), 'B')"
)


def fold_existing(apps, schema_editor):
    for name, key in SEARCHABLE.items():
        model = apps.get_model("cooperation", name)
        fields = [f for f, _ in SEARCH_WEIGHTS[key] if isinstance(f, str)]
        if key == "source":
            fields.append("text")
        batch = []
        for row in model._base_manager.only("pk", *fields).iterator(chunk_size=500):
            documents = stored_documents(key, row)
            for column, text in documents.items():
                setattr(row, column, text)
            batch.append(row)
            if len(batch) == 500:
                model._base_manager.bulk_update(batch, list(documents))
                batch = []
        if batch:
            model._base_manager.bulk_update(batch, list(documents))


def _swap_document(schema_editor, expression):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RECORD_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )


def documents_from_folded(apps, schema_editor):
    _swap_document(schema_editor, NEW_DOCUMENT)


def documents_from_fields(apps, schema_editor):
    _swap_document(schema_editor, OLD_DOCUMENT)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cooperation', '0008_feed_change_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        PostgresOnlyRemoveIndex(
            model_name='actor',
            name='actor_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='agreement',
            name='agreement_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='annotation',
            name='annotation_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='challenge',
            name='challenge_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='deal',
            name='deal_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='excerpt',
            name='excerpt_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='recommendation',
            name='recommendation_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='source',
            name='source_fts',
        ),
        PostgresOnlyRemoveIndex(
            model_name='topic',
            name='topic_fts',
        ),
        migrations.AddField(
            model_name='actor',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='actor',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='agreement',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='agreement',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='annotation',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='annotation',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='challenge',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='challenge',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='deal',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='deal',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='excerpt',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='excerpt',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='recommendation',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='recommendation',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='source',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='source',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='source',
            name='search_d',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='topic',
            name='search_a',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='topic',
            name='search_b',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(fold_existing, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(documents_from_folded, documents_from_fields, elidable=False),
        PostgresOnlyAddIndex(
            model_name='actor',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='actor_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='agreement',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='agreement_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='annotation',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), condition=models.Q(('deleted_at__isnull', True)), name='annotation_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='challenge',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='challenge_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='deal',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='deal_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='excerpt',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='excerpt_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='recommendation',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='recommendation_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='source',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('search_d', config='english', weight='D'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='source_fts'),
        ),
        PostgresOnlyAddIndex(
            model_name='topic',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='topic_fts'),
        ),
    ]
