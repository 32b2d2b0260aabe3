"""Full-text search vectors, defined once for the GIN indexes and for the queries.

PostgreSQL only uses an expression index when the query repeats the indexed
expression exactly, so both come from `search_vector(model)`.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db.migrations.operations import AddIndex
from django.db.models import Q
from django.db.models.functions import Left

SEARCH_CONFIG = "english"

# to_tsvector fails above 1 MB of lexemes; a brief's first 100,000 characters stay well below
# that and hold its words (the reader and the excerpts cover the rest).
SOURCE_TEXT_INDEXED_CHARS = 100_000

# Per model: (field or expression, weight). A = title-like, B = descriptive, D = body text.
SEARCH_WEIGHTS = {
    "record": (("title", "A"), ("summary", "B")),
    "source": (
        ("title", "A"),
        ("authors", "B"),
        ("publisher", "B"),
        ("reference_code", "B"),
        (Left("text", SOURCE_TEXT_INDEXED_CHARS), "D"),
    ),
    "excerpt": (("exact", "A"), ("note", "B")),
    "annotation": (("body", "A"),),
    "actor": (("name", "A"), ("description", "B")),
    "topic": (("name", "A"), ("description", "B")),
}


def weighted_vector(key: str):
    parts = [
        SearchVector(field, weight=weight, config=SEARCH_CONFIG)
        for field, weight in SEARCH_WEIGHTS[key]
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


def search_index(key: str, name: str) -> GinIndex:
    # Partial: searches only ever look at live rows, and the condition lets the planner
    # prefer this index over other live-only indexes on small tables too.
    return GinIndex(weighted_vector(key), name=name, condition=Q(deleted_at__isnull=True))


class PostgresOnlyAddIndex(AddIndex):
    """AddIndex that builds the index on PostgreSQL and is a no-op elsewhere.

    The model state still carries the index, so `makemigrations --check` agrees on
    every database; SQLite searches through the fallback instead (cooperation.search).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
