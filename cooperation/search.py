"""Full-text search: PostgreSQL's ranked search where available, a working fallback on SQLite.

`search(queryset, q)` filters and annotates `search_rank`; callers order by it when
the user has not asked for another order. On PostgreSQL the filter repeats the
indexed expression (cooperation.models.search) so the GIN index answers it.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import Case, Expression, F, FloatField, Q, Value, When
from django.db.models.functions import Left

from cooperation.models.search import SEARCH_CONFIG, SEARCH_WEIGHTS, weighted_vector

# A query longer than this is cut: nobody types more, and it bounds the work per request.
MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_query(q: str | None) -> str:
    # PostgreSQL text cannot hold NUL: a query containing one would be a 500, not a search.
    return " ".join((q or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


def uses_postgres(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def search(queryset, q: str | None):
    """`queryset` narrowed to rows matching `q`, each annotated with `search_rank`."""
    q = normalise_query(q)
    if not q:
        return queryset
    key = queryset.model.search_key
    if uses_postgres(queryset):
        # websearch syntax: "quoted phrases", OR, -excluded; never a syntax error.
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        vector = weighted_vector(key)
        # Records rank from their stored vector (migration 0004), not a recomputed one.
        ranked = StoredSearchDocument() if key in STORED_DOCUMENT_KEYS else vector
        return (
            queryset.alias(search_document=vector)
            .filter(search_document=query)
            .annotate(search_rank=SearchRank(ranked, query))
        )
    return _fallback(queryset, key, q)


# Search keys whose tables carry a stored `search_document` column on PostgreSQL.
STORED_DOCUMENT_KEYS = frozenset({"record"})


class StoredSearchDocument(Expression):
    """The row's stored `search_document` column, under whatever alias the query gives it."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.search_document", []


def _fallback(queryset, key: str, q: str):
    """Every word must appear in some searched field; a match in the first field ranks higher."""
    fields = [
        field if isinstance(field, str) else _expression_name(field)
        for field, _ in SEARCH_WEIGHTS[key]
    ]
    words = [w for w in _WORD.findall(q) if w] or [q]
    extra = {}
    if "text_head" in fields:
        extra["text_head"] = Left("text", 100_000)
        queryset = queryset.annotate(**extra)
    condition = Q()
    for word in words:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    first = fields[0]
    rank = Case(
        When(**{f"{first}__icontains": q}, then=Value(1.0)),
        default=Value(0.5),
        output_field=FloatField(),
    )
    return queryset.filter(condition).annotate(search_rank=rank)


def _expression_name(expression) -> str:
    # The only expression searched is the head of a source's text.
    assert isinstance(expression, Left), expression
    return "text_head"


def order_by_rank(queryset):
    return queryset.order_by(F("search_rank").desc(nulls_last=True), "-pk")
