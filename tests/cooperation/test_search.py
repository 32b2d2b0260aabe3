"""Full-text search: the same answers on PostgreSQL (ranked, GIN-indexed) and SQLite (fallback)."""

import pytest
from django.db import connection

from cooperation.models import (
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Source,
)
from cooperation.search import MAX_QUERY_LENGTH, normalise_query, search, uses_postgres
from cooperation.services import annotation_create, tracked_delete
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def titles(queryset):
    return [row.title for row in queryset]


def test_normalise_query_collapses_space_and_caps_length():
    assert normalise_query("  semiconductor \n  supply  ") == "semiconductor supply"
    assert normalise_query(None) == ""
    assert len(normalise_query("x" * 1000)) == MAX_QUERY_LENGTH


def test_search_without_query_returns_the_queryset_unchanged():
    AgreementFactory(title="Space cooperation")
    queryset = Agreement.objects.all()
    assert search(queryset, "   ") is queryset


def test_search_finds_words_in_title_and_summary_and_ranks_title_first():
    in_summary = AgreementFactory(title="Industrial roadmap", summary="Covers semiconductors.")
    in_title = AgreementFactory(title="Semiconductor supply chain partnership", summary="Chips.")
    AgreementFactory(title="Maritime domain awareness", summary="Ships and sensors.")

    found = search(Agreement.objects.all(), "semiconductor").order_by("-search_rank", "pk")

    assert titles(found) == [in_title.title, in_summary.title]


def test_search_needs_every_word():
    AgreementFactory(title="Space situational awareness", summary="")
    AgreementFactory(title="Space launch", summary="")
    assert titles(search(Agreement.objects.all(), "space awareness")) == [
        "Space situational awareness"
    ]


def test_search_skips_the_trash():
    record = AgreementFactory(title="Hypersonic research pact")
    tracked_delete(instance=record, user=None, expected_version=record.version)
    assert not search(Agreement.objects.all(), "hypersonic").exists()


def test_search_of_operators_and_punctuation_never_raises():
    AgreementFactory(title="Space cooperation")
    for q in ['"space', "space & | !", "-", "OR", "'; drop table", "(space)", "a:*"]:
        list(search(Agreement.objects.all(), q))


def test_search_finds_sources_by_their_text_and_metadata():
    brief = SourceFactory(text="A brief on undersea cables and quantum sensing.", title="Cables")
    SourceFactory(text="Another brief about tanks.", title="Armour")
    assert list(search(Source.objects.all(), "quantum")) == [brief]
    assert list(search(Source.objects.all(), "Test Centre")) != []  # publisher


def test_search_finds_excerpts_and_annotations(analyst):
    excerpt = ExcerptFactory(
        source=SourceFactory(text="Semiconductors matter a great deal."), start=0, end=35
    )
    annotation_create(author=analyst, excerpt=excerpt, body="Check the export-control angle.")
    assert list(search(Excerpt.objects.all(), "semiconductors")) == [excerpt]
    assert search(Annotation.objects.all(), "export control").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's")
def test_postgres_search_stems_and_supports_websearch_syntax():
    AgreementFactory(title="Cooperating on semiconductors", summary="")
    AgreementFactory(title="Semiconductor tariffs", summary="")
    assert search(Agreement.objects.all(), "cooperation semiconductor").count() == 1
    assert search(Agreement.objects.all(), "semiconductor -tariffs").count() == 1
    assert search(Agreement.objects.all(), '"semiconductor tariffs"').count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes exist on PostgreSQL")
@pytest.mark.unbacked_facts  # rows bulk-created straight into the tables, without claims
@pytest.mark.parametrize(
    ("model", "index"),
    [(Agreement, "agreement_fts"), (Source, "source_fts"), (Excerpt, "excerpt_fts")],
)
def test_postgres_search_uses_the_gin_index(model, index):
    if model is Agreement:
        # Records have other live-only indexes (title, signing date: the lists' orders);
        # give the planner enough rows that reading one of those whole costs more.
        # bulk_create: the rows only need to exist for the plan, not to be real records.
        Agreement.objects.bulk_create(
            Agreement(title=f"word{i}", slug=f"word-{i}", kind="agreement") for i in range(3000)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cooperation_agreement")
    if model is Excerpt:
        # Excerpts have another live-only index; give the planner enough rows to choose
        # (150 were too few once other tests had left dead rows in the table's pages).
        # bulk_create, as for agreements: the rows only need to exist for the plan.
        words = [f"word{i}" for i in range(3000)]
        source = SourceFactory(text=" ".join(words))
        spans, position = [], 0
        for word in words:
            spans.append((position, position + len(word), word))
            position += len(word) + 1
        Excerpt.objects.bulk_create(
            Excerpt(source=source, start=start, end=end, exact=word) for start, end, word in spans
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cooperation_excerpt")
    with connection.cursor() as cursor:
        # A table of a few rows is cheapest to scan whole; ask what the plan is once it is not.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        # Ordered by rank, as the FilterSets order a search.
        # Two words: a record search of one word reads its words' table instead (below).
        plan = (
            search(model.objects.all(), "semiconductor supply").order_by("-search_rank").explain()
        )
    assert index in plan, plan


def test_uses_postgres_follows_the_connection():
    assert uses_postgres(Agreement.objects.all()) == (connection.vendor == "postgresql")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's")
@pytest.mark.parametrize("model", [Agreement, Deal, Challenge, Recommendation])
def test_postgres_records_rank_from_a_stored_vector_equal_to_the_indexed_one(model, analyst):
    from django.contrib.postgres.search import SearchQuery, SearchRank

    from cooperation.models.search import SEARCH_CONFIG, stored_vector
    from cooperation.services import tracked_update

    factory = {
        Agreement: AgreementFactory,
        Deal: DealFactory,
        Challenge: ChallengeFactory,
        Recommendation: RecommendationFactory,
    }[model]
    rows = [
        factory(title="Semiconductor supply chains", summary="Japan and India on chips."),
        factory(title="Maritime awareness", summary="Semiconductor sensors at sea."),
    ]
    # An edit through the service: the stored vector follows without any code of ours.
    tracked_update(
        instance=rows[1],
        user=analyst,
        data={"summary": "Semiconductor fabs and semiconductor sensors at sea."},
        expected_version=rows[1].version,
    )
    query = SearchQuery("semiconductor", config=SEARCH_CONFIG, search_type="websearch")

    stored = dict(search(model.objects.all(), "semiconductor").values_list("pk", "search_rank"))
    recomputed = dict(
        model.objects.annotate(rank=SearchRank(stored_vector("record"), query)).values_list(
            "pk", "rank"
        )
    )

    assert set(stored) == {row.pk for row in rows}
    assert stored == {pk: recomputed[pk] for pk in stored}
    assert stored[rows[1].pk] != stored[rows[0].pk]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL keeps the words")
def test_search_terms_has_nothing_to_do_without_postgresql(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("search_terms", "--check", stdout=out)
    assert out.getvalue().startswith("Nothing to do")
