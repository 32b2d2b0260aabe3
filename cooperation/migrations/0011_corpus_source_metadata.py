"""Sources record how much of their date the brief gives (day, month or year), and a URL.

Hand-edited: on SQLite adding a column rebuilds the table, and the rebuild would recreate
the PostgreSQL-only search index; it is set aside for the rebuild and put back after.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from cooperation.models.search import PostgresOnlyAddIndex, PostgresOnlyRemoveIndex

PRECISION = dict(
    blank=True,
    choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')],
    help_text='How much of the date the brief gives (“December 2015” is a month).',
    max_length=8,
)

URL = dict(
    blank=True, help_text="Where the brief is published.", max_length=500, verbose_name="URL"
)


class Migration(migrations.Migration):

    dependencies = [
        ('cooperation', '0010_precise_dates'),
    ]

    operations = [
        PostgresOnlyRemoveIndex(
            model_name='source',
            name='source_fts',
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='published_on_precision',
            field=models.CharField(**PRECISION),
        ),
        migrations.AddField(
            model_name='source',
            name='published_on_precision',
            field=models.CharField(**PRECISION),
        ),
        migrations.AddField(
            model_name="historicalsource",
            name="url",
            field=models.URLField(**URL),
        ),
        migrations.AddField(
            model_name="source",
            name="url",
            field=models.URLField(**URL),
        ),
        PostgresOnlyAddIndex(
            model_name='source',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_a', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('search_b', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('search_d', config='english', weight='D'), django.contrib.postgres.search.SearchConfig('english')), condition=models.Q(('deleted_at__isnull', True)), name='source_fts'),
        ),
    ]
