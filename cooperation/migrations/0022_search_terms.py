"""Each record's words with the rank a search for that word alone gives it
(cooperation/models/search_terms.py), kept by PostgreSQL.

A trigger on each record table refreshes the record's rows after an insert, and after an
update that changes its stored `search_document` (migration 0004), in the record table's
schema and with the search_path migrate ran with (a restore may run with another): every lexeme of the
document, ranked by the same ts_rank a search runs, against a query of that lexeme
alone. The lexeme is written as a tsquery literal (quoted, its quotes and backslashes
doubled: contours_lexeme_query), so any lexeme reads back as itself. Existing records
are filled here. SQLite has no stored document: its tables stay empty and its search is
the fallback (cooperation/search.py).
"""

import django.db.models.deletion
import django.db.models.functions.comparison

import cooperation.models.search
import cooperation.models.search_terms
from django.db import migrations, models

RECORD_TABLES = {
    "cooperation_agreement": "cooperation_agreementsearchterm",
    "cooperation_deal": "cooperation_dealsearchterm",
    "cooperation_challenge": "cooperation_challengesearchterm",
    "cooperation_recommendation": "cooperation_recommendationsearchterm",
}

# A tsquery of one lexeme, exactly: quoted, with its backslashes and quotes doubled.
LEXEME_QUERY = r"""
CREATE FUNCTION contours_lexeme_query(lexeme text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (chr(39) || replace(replace(lexeme, chr(92), chr(92) || chr(92)),
                           chr(39), chr(39) || chr(39)) || chr(39))::tsquery
"""

# Each lexeme of the document with ts_rank(document, 'lexeme'): the rank a search for that
# word alone gives the record (cooperation/search.py ranks by ts_rank over the same vector).
REFRESH = """
CREATE FUNCTION contours_refresh_search_terms() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.search_document IS NOT DISTINCT FROM OLD.search_document THEN
            RETURN NULL;
        END IF;
        EXECUTE format('DELETE FROM %I.%I WHERE record_id = $1', TG_TABLE_SCHEMA, TG_ARGV[0])
            USING NEW.id;
    END IF;
    EXECUTE format(
        'INSERT INTO %I.%I (record_id, term, rank) SELECT $1, w.lexeme, '
        'ts_rank($2, contours_lexeme_query(w.lexeme)) FROM unnest($2) w',
        TG_TABLE_SCHEMA, TG_ARGV[0]
    ) USING NEW.id, NEW.search_document;
    RETURN NULL;
END
$$
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(LEXEME_QUERY, None)
    schema_editor.execute(REFRESH, None)
    for table, terms in RECORD_TABLES.items():
        schema_editor.execute(
            # Every update (not a column list that could miss a column the stored document
            # comes to read): one that leaves the document as it was returns at once.
            f"CREATE TRIGGER {table}_search_terms AFTER INSERT OR UPDATE "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION contours_refresh_search_terms('{terms}')",
            None,
        )
        schema_editor.execute(
            f"INSERT INTO {terms} (record_id, term, rank) SELECT r.id, w.lexeme, "
            "ts_rank(r.search_document, contours_lexeme_query(w.lexeme)) "
            f"FROM {table} r, unnest(r.search_document) w",
            None,
        )
        schema_editor.execute(f"ANALYZE {terms}", None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RECORD_TABLES:
        schema_editor.execute(f"DROP TRIGGER {table}_search_terms ON {table}", None)
    schema_editor.execute("DROP FUNCTION contours_refresh_search_terms()", None)
    schema_editor.execute("DROP FUNCTION contours_lexeme_query(text)", None)


class Migration(migrations.Migration):

    dependencies = [
        ('cooperation', '0021_claim_unranked_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgreementSearchTerm',
            fields=[
                ('term', models.TextField()),
                ('rank', cooperation.models.search_terms.RankField()),
                ('pk', models.CompositePrimaryKey('record_id', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='search_terms', to='cooperation.agreement')),
            ],
        ),
        migrations.CreateModel(
            name='ChallengeSearchTerm',
            fields=[
                ('term', models.TextField()),
                ('rank', cooperation.models.search_terms.RankField()),
                ('pk', models.CompositePrimaryKey('record_id', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='search_terms', to='cooperation.challenge')),
            ],
        ),
        migrations.CreateModel(
            name='DealSearchTerm',
            fields=[
                ('term', models.TextField()),
                ('rank', cooperation.models.search_terms.RankField()),
                ('pk', models.CompositePrimaryKey('record_id', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='search_terms', to='cooperation.deal')),
            ],
        ),
        migrations.CreateModel(
            name='RecommendationSearchTerm',
            fields=[
                ('term', models.TextField()),
                ('rank', cooperation.models.search_terms.RankField()),
                ('pk', models.CompositePrimaryKey('record_id', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='search_terms', to='cooperation.recommendation')),
            ],
        ),
        cooperation.models.search.PostgresOnlyAddIndex(
            model_name='agreementsearchterm',
            index=models.Index(models.F('term'), models.OrderBy(django.db.models.functions.comparison.Cast('rank', models.FloatField()), descending=True, nulls_last=True), models.OrderBy(models.F('record'), descending=True), name='agreement_term_rank'),
        ),
        cooperation.models.search.PostgresOnlyAddIndex(
            model_name='challengesearchterm',
            index=models.Index(models.F('term'), models.OrderBy(django.db.models.functions.comparison.Cast('rank', models.FloatField()), descending=True, nulls_last=True), models.OrderBy(models.F('record'), descending=True), name='challenge_term_rank'),
        ),
        cooperation.models.search.PostgresOnlyAddIndex(
            model_name='dealsearchterm',
            index=models.Index(models.F('term'), models.OrderBy(django.db.models.functions.comparison.Cast('rank', models.FloatField()), descending=True, nulls_last=True), models.OrderBy(models.F('record'), descending=True), name='deal_term_rank'),
        ),
        cooperation.models.search.PostgresOnlyAddIndex(
            model_name='recommendationsearchterm',
            index=models.Index(models.F('term'), models.OrderBy(django.db.models.functions.comparison.Cast('rank', models.FloatField()), descending=True, nulls_last=True), models.OrderBy(models.F('record'), descending=True), name='recommendation_term_rank'),
        ),
        migrations.RunPython(add_triggers, drop_triggers, elidable=False),
    ]
