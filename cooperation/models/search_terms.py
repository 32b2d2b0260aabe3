"""Each record's words with the rank a search for that word alone gives it (PostgreSQL).

A search ranks its matches by ts_rank over each match's stored vector, so a word found in
a third of the records (8,700 of 23,922 published recommendations at 100,000 records)
meant reading every match's row before the first page could be chosen: ~15 ms of a
search's statement, growing with the matches (docs/benchmarks.md). For a search of one
word, which is what most searches are, the rank of each record is known in advance:
ts_rank(document, 'word') depends on nothing else. These tables hold it, one row per
(record, word), with an index in the list's order (rank, then id, both descending), so
a page of one word's matches is read in order and stops after the page.

PostgreSQL writes them: a trigger on each record table (migration 0022) refreshes a
record's words whenever its stored document changes, bulk writes and raw SQL included,
and the rows go with their record (on_delete). Nothing in Python writes them. On SQLite they stay
empty: its search is the fallback in cooperation/search.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.functions import Cast


class RankField(models.FloatField):
    """A `real`, as ts_rank gives it: read back, a rank is the very value a search over the
    vector gives (a double would carry the float's binary tail: 0.3039635419845581 where
    the search reads 0.30396354)."""

    def db_type(self, connection):
        return "real"


class SearchTerm(models.Model):
    """One word (a lexeme of the record's `search_document`) and its rank alone."""

    term = models.TextField()
    rank = RankField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.term} ({self.rank:g})"


def _rank_index(kind: str) -> models.Index:
    # The API's order for a search: its pagination reads a rank as a double (so that the
    # cursor's value compares equal to the row's) and turns descending keys NULLS LAST.
    return models.Index(
        F("term"),
        Cast("rank", models.FloatField()).desc(nulls_last=True),
        F("record").desc(),
        name=f"{kind}_term_rank",
    )


def _record(model_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        f"cooperation.{model_name}",
        on_delete=models.CASCADE,
        related_name="search_terms",
        db_index=False,  # the primary key (record_id, term) leads with it
    )


class AgreementSearchTerm(SearchTerm):
    pk = models.CompositePrimaryKey("record_id", "term")
    record = _record("Agreement")

    class Meta:
        indexes = [_rank_index("agreement")]


class DealSearchTerm(SearchTerm):
    pk = models.CompositePrimaryKey("record_id", "term")
    record = _record("Deal")

    class Meta:
        indexes = [_rank_index("deal")]


class ChallengeSearchTerm(SearchTerm):
    pk = models.CompositePrimaryKey("record_id", "term")
    record = _record("Challenge")

    class Meta:
        indexes = [_rank_index("challenge")]


class RecommendationSearchTerm(SearchTerm):
    pk = models.CompositePrimaryKey("record_id", "term")
    record = _record("Recommendation")

    class Meta:
        indexes = [_rank_index("recommendation")]


SEARCH_TERM_MODELS = (
    AgreementSearchTerm,
    DealSearchTerm,
    ChallengeSearchTerm,
    RecommendationSearchTerm,
)
