"""Each record's words with their ranks (cooperation/models/search_terms.py), kept by a
PostgreSQL trigger, and the one-word search that reads them (cooperation/search.py): the
same records, ranks and order as matching and ranking the stored vectors gives."""

from __future__ import annotations

import pytest
from django.db import connection

from cooperation import search as searching
from cooperation.models import (
    SEARCH_TERM_MODELS,
    Agreement,
    Challenge,
    Deal,
    Recommendation,
)
from cooperation.search import order_by_rank, search, single_word
from cooperation.services import tracked_update
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the words are kept by a PostgreSQL trigger"
    ),
]

FACTORIES = {
    Agreement: AgreementFactory,
    Deal: DealFactory,
    Challenge: ChallengeFactory,
    Recommendation: RecommendationFactory,
}
TITLES = (
    ("Semiconductor supply chains", "Japan and India on chips, and on semiconductor fabs."),
    ("Maritime awareness", "Semiconductor sensors at sea; the 2015 dialogue."),
    ("Dialogue on dialogue", "A dialogue about the Dialogue, in 2015 and 2016."),
    ("Rare earths", "Nothing in common with the others."),
    ("Ōsaka talks", "Kōbe and Ōsaka: the ports' dialogue."),
)
WORDS = ("semiconductor", "Dialogue", "dialogues", "2015", "ōsaka", "chips", "absent", "the")


def _terms(record) -> dict[str, float]:
    model = type(record).search_terms.rel.related_model
    return dict(model.objects.filter(record=record).values_list("term", "rank"))


def _document(record) -> dict[str, float]:
    """Each lexeme of the record's stored vector with ts_rank for a search of it alone."""
    table = connection.ops.quote_name(type(record)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.lexeme, ts_rank(r.search_document, contours_lexeme_query(w.lexeme)) "
            f"FROM {table} r, unnest(r.search_document) w WHERE r.id = %s",
            [record.pk],
        )
        return dict(cursor.fetchall())


def _vector_path(monkeypatch):
    """Searches as they ran before the words' tables: every query through the vectors."""
    monkeypatch.setattr(searching, "single_word", lambda alias, q: None)


@pytest.mark.parametrize("model", list(FACTORIES))
def test_the_trigger_keeps_each_records_words_as_its_document_changes(model, curator):
    record = FACTORIES[model](title="Semiconductor supply chains", summary="Chips at sea.")
    assert _terms(record) == _document(record)
    assert {"semiconductor", "suppli", "chip", "sea"} <= set(_terms(record))

    record = tracked_update(
        instance=record,
        user=curator,
        data={"title": "Maritime awareness"},
        expected_version=record.version,
    )
    assert _terms(record) == _document(record)
    assert "semiconductor" not in _terms(record) and "maritim" in _terms(record)

    before = _terms(record)
    record = tracked_update(
        instance=record,
        user=curator,
        data={"visibility": "published"},
        expected_version=record.version,
    )
    assert _terms(record) == before  # the document did not change: nor did its words


def test_a_records_words_go_with_it():
    record = DealFactory(title="Semiconductor supply chains")
    assert _terms(record)
    Deal.all_objects.filter(pk=record.pk).delete()
    assert not type(record).search_terms.rel.related_model.objects.filter(record_id=record.pk)


def test_any_lexeme_reads_back_as_itself():
    """Quotes, backslashes and the parser's odd tokens (paths, addresses, versions) each
    become a tsquery of exactly that lexeme: the trigger never fails on a title."""
    record = DealFactory(
        title=r"O'Brien's C:\temp\file.txt at http://example.org/a'b?c=1\2 v1.2.3-beta",
        summary=r"x@example.org 'quoted' \\server\share back\\slash 3.14e5 -42 ½",
    )
    terms = _terms(record)
    assert terms == _document(record)
    assert any("\\" in term for term in terms) or any("'" in term for term in terms)
    with connection.cursor() as cursor:
        for term in terms:
            cursor.execute(
                "SELECT r.search_document @@ contours_lexeme_query(%s), "
                "(tsvector_to_array(contours_lexeme_query(%s)::text::tsvector))[1] = %s "
                "FROM cooperation_deal r WHERE r.id = %s",
                [term, term, term, record.pk],
            )
            assert cursor.fetchone() == (True, True), term


@pytest.mark.parametrize("model", list(FACTORIES))
def test_a_one_word_search_gives_the_vector_searchs_records_ranks_and_order(model, monkeypatch):
    rows = [FACTORIES[model](title=title, summary=summary) for title, summary in TITLES]
    assert len(rows) == len(TITLES)

    def ranked(q):
        return list(order_by_rank(search(model.objects.all(), q)).values_list("pk", "search_rank"))

    fast = {q: ranked(q) for q in WORDS}
    with monkeypatch.context() as patch:
        _vector_path(patch)
        slow = {q: ranked(q) for q in WORDS}
    assert fast == slow
    assert fast["semiconductor"] and fast["Dialogue"] and fast["2015"] and fast["ōsaka"]
    assert fast["absent"] == [] and fast["the"] == []
    assert len({rank for _, rank in fast["Dialogue"]}) > 1  # ranks that order something


@pytest.mark.parametrize(
    ("q", "word"),
    [
        ("semiconductor", "semiconductor"),
        ("Dialogues", "dialogu"),
        ("2015", "2015"),
        ("ōsaka", "ōsaka"),
        ("the", None),  # a stop word: nothing to look for
        ("india japan", None),  # several words
        ("india-japan", None),
        ('"india japan"', None),
        ("-india", None),
        ("o'brien", None),
        ("snake_case", None),
        ("", None),
    ],
)
def test_only_a_query_of_one_word_reads_the_words(q, word):
    assert single_word(connection.alias, q) == word


def test_several_words_still_match_the_vectors():
    RecommendationFactory(title="Semiconductor supply chains")
    sql = str(search(Recommendation.objects.all(), "semiconductor supply").query)
    assert "@@" in sql and "searchterm" not in sql
    sql = str(search(Recommendation.objects.all(), "semiconductor").query)
    assert "@@" not in sql and "searchterm" in sql


@pytest.mark.parametrize("model", [m.record.field.related_model for m in SEARCH_TERM_MODELS])
def test_a_one_word_search_in_the_apis_order_reads_the_rank_index(model):
    """The API orders a search by its rank read as a double, NULLS LAST, then id: the
    words' index gives that order, so a page stops after its rows."""
    from cooperation.api.pagination import KeysetCursorPagination

    FACTORIES[model](title="Semiconductor supply chains")
    queryset, _ = KeysetCursorPagination()._ordered(
        search(model.objects.all(), "semiconductor").order_by("-search_rank", "-pk")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = queryset[:51].explain()
    assert f"{model._meta.model_name}_term_rank" in plan, plan
    assert "Sort" not in plan.split("Limit", 1)[1].split("->", 2)[1], plan


@pytest.mark.parametrize("lexeme", ["plain", "it's", r"a\b", r"x'\'y", "''", "\\", "日本"])
def test_a_lexeme_query_is_that_lexeme_exactly(lexeme):
    """The trigger's tsquery of one lexeme (migration 0022): quotes and backslashes doubled,
    so a lexeme the parser never makes today still reads back as itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (tsvector_to_array(contours_lexeme_query(%s)::text::tsvector))[1], "
            "array_to_tsvector(ARRAY[%s]) @@ contours_lexeme_query(%s), "
            "numnode(contours_lexeme_query(%s))",
            [lexeme] * 4,
        )
        assert cursor.fetchone() == (lexeme, True, 1)
