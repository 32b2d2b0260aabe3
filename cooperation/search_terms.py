"""Checking and rebuilding the records' words (cooperation/models/search_terms.py).

A PostgreSQL trigger keeps them (migration 0022). Anything that writes the record tables
with triggers off (`session_replication_role = replica`, `ALTER TABLE … DISABLE TRIGGER`,
`pg_restore --disable-triggers`) leaves them behind their records: one-word searches
would then miss or misrank those records. `drift()` counts the rows that differ from what
the records' documents say; `rebuild()` writes them all again. `manage.py search_terms`
runs either. On SQLite there are no words to keep (its search is the fallback).
"""

from __future__ import annotations

from django.db import connection, transaction

from cooperation.models import SEARCH_TERM_MODELS

# Each lexeme of each record's stored document with the rank a search for it alone gives:
# what the trigger writes for one record, for the whole table.
_EXPECTED = (
    "SELECT r.id AS record_id, w.lexeme AS term, "
    "ts_rank(r.search_document, contours_lexeme_query(w.lexeme)) AS rank "
    "FROM {records} r, unnest(r.search_document) w"
)


def _tables():
    quote = connection.ops.quote_name
    for model in SEARCH_TERM_MODELS:
        records = model._meta.get_field("record").related_model
        yield records._meta.model_name, quote(records._meta.db_table), quote(model._meta.db_table)


def kept_by_trigger() -> bool:
    return connection.vendor == "postgresql"


def drift() -> dict[str, int]:
    """Per kind, how many word rows are missing, extra or wrongly ranked (0: in step)."""
    if not kept_by_trigger():
        return {}
    found = {}
    with connection.cursor() as cursor:
        for kind, records, terms in _tables():
            # Each side read once (every lexeme of every record ranked is the costly one),
            # then compared both ways.
            cursor.execute(
                f"WITH expected AS MATERIALIZED ({_EXPECTED.format(records=records)}),"
                f" kept AS MATERIALIZED (SELECT record_id, term, rank FROM {terms})"
                " SELECT (SELECT count(*) FROM"
                " (SELECT * FROM expected EXCEPT SELECT * FROM kept) missing)"
                " + (SELECT count(*) FROM"
                " (SELECT * FROM kept EXCEPT SELECT * FROM expected) extra)"
            )
            found[kind] = cursor.fetchone()[0]
    return found


def rebuild() -> dict[str, int]:
    """Write every record's words again, in one transaction; per kind, the rows written."""
    if not kept_by_trigger():
        return {}
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, records, terms in _tables():
            cursor.execute(f"DELETE FROM {terms}")
            cursor.execute(
                f"INSERT INTO {terms} (record_id, term, rank) {_EXPECTED.format(records=records)}"
            )
            written[kind] = cursor.rowcount
    with connection.cursor() as cursor:
        for _, _, terms in _tables():
            cursor.execute(f"ANALYZE {terms}")
    return written
