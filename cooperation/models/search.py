"""Full-text search vectors, defined once for the GIN indexes and for the queries.

PostgreSQL only uses an expression index when the query repeats the indexed
expression exactly, so both come from `search_vector(model)`.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.migrations.operations import AddIndex, RemoveIndex
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


# Where each weight's folded text is stored (cooperation.search_text.fold): the indexes and
# the searches read these columns, so PostgreSQL and SQLite search the same folded text.
STORED_COLUMNS = {"A": "search_a", "B": "search_b", "D": "search_d"}


def _field_text(instance, field) -> str:
    if isinstance(field, str):
        return getattr(instance, field) or ""
    # The one expression searched is the head of a source's text (Left("text", n)).
    assert isinstance(field, Left), field
    name, length = field.source_expressions[0].name, field.source_expressions[1].value
    return (getattr(instance, name) or "")[:length]


def stored_documents(key: str, instance) -> dict[str, str]:
    """{column: folded text} for `instance`, its searched fields joined per weight."""
    from cooperation.search_text import fold

    parts: dict[str, list[str]] = {}
    for field, weight in SEARCH_WEIGHTS[key]:
        parts.setdefault(STORED_COLUMNS[weight], []).append(_field_text(instance, field))
    return {column: fold("\n".join(texts)) for column, texts in parts.items()}


def stored_columns(key: str) -> list[str]:
    return list(dict.fromkeys(STORED_COLUMNS[weight] for _, weight in SEARCH_WEIGHTS[key]))


def stored_vector(key: str):
    """The weighted vector over the stored, folded columns: what indexes and searches use."""
    weights = dict.fromkeys(weight for _, weight in SEARCH_WEIGHTS[key])
    parts = [
        SearchVector(STORED_COLUMNS[weight], weight=weight, config=SEARCH_CONFIG)
        for weight in weights
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


class Searchable(models.Model):
    """A model whose searched text is stored folded, refreshed on every save."""

    search_a = models.TextField(blank=True, default="", editable=False)
    search_b = models.TextField(blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        columns = self.refresh_search_documents()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *columns}
        super().save(*args, **kwargs)

    def refresh_search_documents(self) -> list[str]:
        documents = stored_documents(self.search_key, self)
        for column, text in documents.items():
            setattr(self, column, text)
        return list(documents)


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
    return GinIndex(stored_vector(key), name=name, condition=Q(deleted_at__isnull=True))


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


class PostgresOnlyRemoveIndex(RemoveIndex):
    """RemoveIndex for an index PostgresOnlyAddIndex made: a no-op elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
