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


def _row_versions(record) -> dict[str, str]:
    """Each word's row version (xmin): a row written again gets a new one."""
    model = type(record).search_terms.rel.related_model
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, xmin::text FROM {table} WHERE record_id = %s", [record.pk])
        return dict(cursor.fetchall())


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

    before = _row_versions(record)
    record = tracked_update(
        instance=record,
        user=curator,
        data={"visibility": "published"},
        expected_version=record.version,
    )
    # The document did not change: its words were not written again (the same row versions).
    assert _row_versions(record) == before


@pytest.mark.unbacked_facts  # rows bulk-created straight into the table, without claims
def test_writes_around_the_services_keep_the_words_too():
    """The trigger, not the services, keeps the words: a bulk insert and an update in raw
    SQL (a migration, a data fix) leave each record's words its document's."""
    deals = [Deal(title=f"Hypersonic glide {n}", slug=f"glide-{n}", kind="deal") for n in range(3)]
    for deal in deals:
        deal.refresh_search_documents()  # what save() does; bulk_create does not call it
    created = Deal.objects.bulk_create(deals)
    for deal in created:
        deal.refresh_from_db()
        assert _terms(deal) == _document(deal) and "hyperson" in _terms(deal)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cooperation_deal SET search_b = 'Cryogenic engines' WHERE id = %s",
            [created[0].pk],
        )
    assert _terms(created[0]) == _document(created[0])
    assert {"cryogen", "engin", "hyperson"} <= set(_terms(created[0]))


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


def test_words_left_behind_are_found_and_rebuilt():
    """Writes with the triggers off (a data-only restore, a replica role) leave the words
    behind: `search_terms --check` names the kinds out of step and changes nothing; the
    command without it writes them all again."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    deal = DealFactory(title="Semiconductor supply chains", summary="Chips at sea.")
    RecommendationFactory(title="Maritime awareness")
    out = StringIO()
    call_command("search_terms", "--check", stdout=out)
    assert "in step" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute(
            "UPDATE cooperation_deal SET search_a = 'hypersonic glide' WHERE id = %s", [deal.pk]
        )
        cursor.execute("RESET session_replication_role")
    assert "hyperson" not in _terms(deal)
    with pytest.raises(CommandError, match=r"out of step: deal \(\d+ rows\)"):
        call_command("search_terms", "--check", stdout=StringIO())
    assert "hyperson" not in _terms(deal)  # a check changes nothing

    out = StringIO()
    call_command("search_terms", stdout=out)
    assert out.getvalue().startswith("Rebuilt the records' words: agreement 0, deal ")
    assert _terms(deal) == _document(deal) and "hyperson" in _terms(deal)
    call_command("search_terms", "--check", stdout=StringIO())
    assert [pk for pk, _ in search_ranked(Deal, "hypersonic")] == [deal.pk]


def search_ranked(model, q):
    return list(order_by_rank(search(model.objects.all(), q)).values_list("pk", "search_rank"))
