"""A search walk (ordered by rank) stays exact while the rows' text, and so their rank, is
edited between pages through the services: every row matching when the walk began comes
exactly once, in the order it had then. (Other orders: tests/api/test_exact_walks.py.)"""

from __future__ import annotations

import pytest
from django.db.models import FloatField, Value

from cooperation.api.pagination import _rows_chosen
from cooperation.models import Recommendation
from cooperation.services import tracked_delete, tracked_update
from tests.api.conftest import client_for
from tests.factories import TEST_BASIS, RecommendationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _walk(client, params, between):
    ids, response = [], client.get("/api/v1/recommendations/", params)
    while True:
        assert response.status_code == 200, response.content[:300]
        ids.extend(row["id"] for row in response.json()["results"])
        if response.json()["next"] is None:
            return ids
        between(len(ids))
        response = client.get(response.json()["next"])


def _edit(pk, curator, **data):
    row = Recommendation.objects.get(pk=pk)
    tracked_update(
        instance=row, user=curator, data=data, expected_version=row.version, basis=TEST_BASIS
    )


@pytest.mark.parametrize("ordering", ["", "title", "-priority", "-updated"])
def test_a_search_walk_is_exact_while_texts_and_ranks_change(analyst, curator, ordering):
    # Ranks tie and differ: "hypersonic" in the title ranks above it in the summary only.
    made = []
    for n in range(9):
        in_title = n % 3 == 0
        made.append(
            RecommendationFactory(
                user=curator,
                title=f"{'Hypersonic' if in_title else 'Maritime'} cooperation {n}",
                summary="Joint work on hypersonic export controls.",
            ).pk
        )
    RecommendationFactory(user=curator, title="Unrelated", summary="Nothing to find here.")
    params = {"q": "hypersonic", "page_size": 2}
    if ordering:
        params["ordering"] = ordering
    client = client_for(analyst)
    before = _walk(client, {**params, "page_size": 200}, lambda _: None)
    assert sorted(before) == sorted(made)

    def between(served):
        # Move rows both ways across the walk's position: demote a row not yet served,
        # promote one already served, and edit one twice.
        ahead, behind = before[-1 - served // 2], before[served // 2]
        _edit(ahead, curator, title=f"Maritime renamed {served}", priority="low")
        _edit(behind, curator, title=f"Hypersonic renamed {served}", priority="high")
        _edit(behind, curator, summary=f"Hypersonic hypersonic, edited again {served}.")

    walked = _walk(client, params, between)
    assert walked == before


def test_a_row_that_leaves_the_view_during_a_walk_does_not_come(analyst, curator):
    made = [RecommendationFactory(user=curator, title=f"Row {n}").pk for n in range(6)]
    client = client_for(analyst)
    before = _walk(client, {"ordering": "title", "page_size": 200}, lambda _: None)
    assert before == sorted(made, key=lambda pk: Recommendation.objects.get(pk=pk).title)
    gone = before[-1]

    def between(served):
        if served == 2:
            # Edited (so placed by its history) and then trashed: it has left the list.
            _edit(gone, curator, title="Aardvark")
            row = Recommendation.objects.get(pk=gone)
            tracked_delete(instance=row, user=curator, expected_version=row.version)

    walked = _walk(client, {"ordering": "title", "page_size": 2}, between)
    assert walked == before[:-1]


def _hypersonic_recommendations(curator) -> None:
    """Seven recommendations that all match "hypersonic", at three different ranks."""
    for n in range(7):
        RecommendationFactory(
            user=curator,
            title=f"{'Hypersonic ' * (n % 3)}cooperation {n}",
            summary="Joint work on hypersonic export controls." if n % 2 else "Hypersonic.",
        )


def _walked_pages(client, params: dict, page_size: int) -> list[str]:
    """Walks the search page by page, holds the walk to the whole search (the seven
    hypersonic recommendations, in its order) and gives the SQL of each page's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    whole = [row["id"] for row in client.get("/api/v1/recommendations/", params).json()["results"]]
    assert len(whole) == 7
    with CaptureQueriesContext(connection) as captured:
        walked = _walk(client, {**params, "page_size": page_size}, lambda _: None)
    assert walked == whole
    return [
        q["sql"]
        for q in captured.captured_queries
        if '"cooperation_recommendation"."title"' in q["sql"]
    ]


@pytest.mark.parametrize("ordering", ["", "title"])
@pytest.mark.parametrize("page_size", [1, 2, 5, 200])
def test_a_search_page_is_the_ranked_order_however_its_ids_are_chosen(
    analyst, curator, ordering, page_size
):
    """A ranked search on PostgreSQL picks the page's ids first and builds only those rows
    (pagination._first_rows); every page of the walk is the order the whole search has."""
    from django.db import connection

    _hypersonic_recommendations(curator)
    params = {"q": "hypersonic"}
    if ordering:
        params["ordering"] = ordering
    pages = _walked_pages(client_for(analyst), params, page_size)
    if connection.vendor == "postgresql" and not ordering:
        assert pages and all(" IN (SELECT " in sql for sql in pages)
        # One word: its matches and ranks come from the records' words, in the sub-select
        # that picks the ids (cooperation/models/search_terms.py); no vector is matched.
        assert all("@@" not in sql for sql in pages), pages[0]
        assert all("searchterm" in sql.split(" IN (SELECT ", 1)[1] for sql in pages), pages[0]


@pytest.mark.parametrize("page_size", [1, 2, 5, 200])
def test_a_search_of_several_words_is_matched_once(analyst, curator, page_size):
    """A search of more than one word picks the page's ids first and builds only those rows
    (pagination._first_rows): the match is asked once, in the sub-select that picks the
    ids; the rows it picked are not matched again (pagination._rows_chosen)."""
    from django.db import connection

    _hypersonic_recommendations(curator)
    params = {"q": "hypersonic cooperation"}
    pages = _walked_pages(client_for(analyst), params, page_size)
    if connection.vendor == "postgresql":
        assert pages and all(" IN (SELECT " in sql for sql in pages)
        assert all(sql.count("@@") == 1 for sql in pages), pages[0]


def test_rows_chosen_under_a_filter_on_a_link_keep_that_filter(curator):
    """A join one row can have several of keeps its filter in the outer statement: without
    it, a row with three topics, chosen through a filter naming two, would come three
    times instead of the two its own query gives."""
    topics = [TopicFactory(user=curator) for _ in range(3)]
    record = RecommendationFactory(user=curator, title="Hypersonic cooperation")
    record.topics.set(topics)
    other = RecommendationFactory(user=curator, title="Hypersonic other")
    queryset = (
        Recommendation.objects.filter(topics__slug__in=[t.slug for t in topics[:2]])
        .annotate(search_rank=Value(1.0, output_field=FloatField()))
        .order_by("-search_rank", "-pk")
    )
    plain = Recommendation.objects.filter(title__startswith="Hypersonic").order_by("-pk")
    chosen = queryset.values("pk")

    assert [r.pk for r in _rows_chosen(queryset, chosen)] == [r.pk for r in queryset]
    assert [r.pk for r in queryset] == [record.pk, record.pk]
    # A filter on the row's own columns is not asked again: the ids were chosen under it.
    assert [r.pk for r in _rows_chosen(plain, plain.values("pk"))] == [other.pk, record.pk]
    assert not _rows_chosen(plain, plain.values("pk")).query.where.children[:-1]
