"""Full-text search: PostgreSQL's ranked search where available, a working fallback on SQLite.

`search(queryset, q)` filters and annotates `search_rank`; callers order by it when
the user has not asked for another order. On PostgreSQL the filter repeats the
indexed expression (cooperation.models.search) so the GIN index answers it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import Case, Expression, F, FloatField, Q, Value, When

from cooperation.models.search import SEARCH_CONFIG, stored_columns, stored_vector
from cooperation.search_text import fold

# A query longer than this is cut: nobody types more, and it bounds the work per request.
MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_query(q: str | None) -> str:
    # PostgreSQL text cannot hold NUL: a query containing one would be a 500, not a search.
    return " ".join((q or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


def uses_postgres(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def search(queryset, q: str | None):
    """`queryset` narrowed to rows matching `q`, each annotated with `search_rank`.

    Rows are searched through their stored, folded documents and the query is folded by
    the same function (cooperation/search_text.py): "India–Japan", "ＩＮＤＩＡ-japan" and
    "india-japan" are one search on both databases.
    """
    q = fold(normalise_query(q)).strip()
    if not q:
        return queryset
    key = queryset.model.search_key
    if uses_postgres(queryset):
        # websearch syntax: "quoted phrases", OR, -excluded; never a syntax error.
        if key in STORED_DOCUMENT_KEYS and hasattr(queryset.model, "search_terms"):
            word = single_word(queryset.db, q)
            if word is not None:
                # One word: its matches and their ranks, in the list's order, from the
                # record's words (cooperation/models/search_terms.py).
                return queryset.filter(search_terms__term=word).annotate(
                    search_rank=F("search_terms__rank")
                )
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        vector = stored_vector(key)
        # Records rank from their stored vector (migration 0004), not a recomputed one.
        ranked = StoredSearchDocument() if key in STORED_DOCUMENT_KEYS else vector
        return (
            queryset.alias(search_document=vector)
            .filter(search_document=query)
            .annotate(search_rank=SearchRank(ranked, query))
        )
    return _fallback(queryset, key, q)


# A query of one word in websearch syntax: letters and digits only (no quote, hyphen,
# underscore or "or"), which PostgreSQL's parser reads as one token at most.
_ONE_TOKEN = re.compile(r"[^\W_]+")


def single_word(alias: str, q: str) -> str | None:
    """The one lexeme a search for `q` (folded) looks for, or None when it asks for anything
    else: several words, a phrase, an exclusion, or only stop words.

    Only PostgreSQL knows the lexeme (its parser and stemmer): a query that looks like one
    word is asked once per process (`_lexeme_of`); nothing else is asked at all."""
    if len(q) > 100 or not _ONE_TOKEN.fullmatch(q):
        return None
    return _lexeme_of(alias, q)


@lru_cache(maxsize=4096)
def _lexeme_of(alias: str, q: str) -> str | None:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN numnode(q) = 1 THEN (tsvector_to_array(querytree(q)::tsvector))[1]"
            " END FROM websearch_to_tsquery(%s::regconfig, %s) q",
            [SEARCH_CONFIG, q],
        )
        return cursor.fetchone()[0]


# Search keys whose tables carry a stored `search_document` column on PostgreSQL.
STORED_DOCUMENT_KEYS = frozenset({"record"})


class StoredSearchDocument(Expression):
    """The row's stored `search_document` column, under whatever alias the query gives it."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.search_document", []


def _fallback(queryset, key: str, q: str):
    """Every word must appear in some stored document; a match in the first ranks higher.

    Documents and query are folded alike, so a plain `contains` compares them (SQLite's
    LIKE folds ASCII case only; the folding already did the rest).
    """
    columns = stored_columns(key)
    words = [w for w in _WORD.findall(q) if w] or [q]
    condition = Q()
    for word in words:
        any_column = Q()
        for column in columns:
            any_column |= Q(**{f"{column}__contains": word})
        condition &= any_column
    rank = Case(
        When(**{f"{columns[0]}__contains": q}, then=Value(1.0)),
        default=Value(0.5),
        output_field=FloatField(),
    )
    return queryset.filter(condition).annotate(search_rank=rank)


def order_by_rank(queryset):
    return queryset.order_by(F("search_rank").desc(nulls_last=True), "-pk")
