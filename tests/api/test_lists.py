"""Lists: the shared FilterSets, search, whitelisted ordering, cursor pages, constant queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.choices import AnnotationVisibility
from cooperation.services import annotation_create, evidence_attach, tracked_update
from cooperation.services.tags import tag_create
from tests.api.conftest import RESOURCES, client_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _walk(client, path, params):
    """Every row of a list, page by page, following `next`."""
    rows, response = [], client.get(path, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "results"}
        rows.extend(body["results"])
        if body["next"] is None:
            return rows
        response = client.get(body["next"])


def test_filters_search_and_ordering_use_the_shared_filtersets(world, analyst):
    client = client_for(analyst)
    AgreementFactory(title="Semiconductor supply pact", kind="mou", signed_on=date(2023, 1, 5))
    AgreementFactory(title="Space situational awareness", kind="mou", signed_on=date(2021, 3, 1))
    mou = client.get("/api/v1/agreements/", {"kind": "mou", "ordering": "-signed"}).json()
    assert [r["title"] for r in mou["results"]] == [
        "Semiconductor supply pact",
        "Space situational awareness",
    ]
    found = client.get("/api/v1/agreements/", {"q": "semiconductor"}).json()["results"]
    assert [r["title"] for r in found] == ["Semiconductor supply pact"]
    by_actor = client.get("/api/v1/agreements/", {"actor": "india"}).json()["results"]
    assert [r["id"] for r in by_actor] == [world.records["agreements"]["published"].pk]
    visible = client.get("/api/v1/recommendations/", {"visibility": "published"}).json()
    assert [r["id"] for r in visible["results"]] == [
        world.records["recommendations"]["published"].pk
    ]


@pytest.mark.parametrize(
    "params",
    [{"ordering": "password"}, {"kind": "bribery"}, {"signed_after": "not-a-date"}],
)
def test_bad_filters_are_400_with_field_errors(analyst, params):
    response = client_for(analyst).get("/api/v1/agreements/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params) - {"signed_after"} | (
        {"signed"} if "signed_after" in params else set()
    )


@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjoieCIsInYiOltdfQ", "e30"])
def test_a_bad_cursor_is_400(analyst, cursor):
    response = client_for(analyst).get("/api/v1/agreements/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    "ordering", ["", "title", "-title", "signed", "-signed", "kind,-signed", "-updated"]
)
def test_cursor_pages_visit_every_row_once_in_order(analyst, ordering):
    # Equal titles, NULL and repeated dates: the cursor must break every tie.
    for n in range(7):
        AgreementFactory(
            title=f"Same {n % 2}",
            signed_on=None if n % 3 == 0 else date(2020, 1, 1 + n % 2),
            kind="mou" if n % 2 else "agreement",
        )
    client = client_for(analyst)
    params = {"ordering": ordering} if ordering else {}
    everything = client.get("/api/v1/agreements/", {**params, "page_size": 200}).json()["results"]
    paged = _walk(client, "/api/v1/agreements/", {**params, "page_size": 2})
    assert [r["id"] for r in paged] == [r["id"] for r in everything]
    assert len({r["id"] for r in paged}) == 7


@pytest.mark.parametrize("ordering", ["priority", "-priority"])
def test_cursor_pages_follow_priority_rank(analyst, ordering):
    for n in range(7):
        RecommendationFactory(priority=("low", "medium", "high")[n % 3])
    client = client_for(analyst)
    paged = _walk(client, "/api/v1/recommendations/", {"ordering": ordering, "page_size": 2})
    ranks = [("low", "medium", "high").index(r["priority"]) for r in paged]
    assert len({r["id"] for r in paged}) == 7
    assert ranks == sorted(ranks, reverse=ordering.startswith("-"))


def test_cursor_pages_follow_search_rank(analyst):
    for n in range(5):
        AgreementFactory(title=f"Maritime pact {n}", summary="maritime " * (n + 1))
    client = client_for(analyst)
    everything = client.get("/api/v1/agreements/", {"q": "maritime"}).json()["results"]
    paged = _walk(client, "/api/v1/agreements/", {"q": "maritime", "page_size": 2})
    assert [r["id"] for r in paged] == [r["id"] for r in everything]
    assert len(paged) == 5


def test_page_size_over_the_cap_is_refused_not_clamped(analyst):
    # tests/api/test_request_checks.py sweeps the other invalid values.
    response = client_for(analyst).get("/api/v1/agreements/", {"page_size": "100000"})
    assert response.status_code == 400
    assert "200" in response.json()["errors"]["page_size"][0]


def _more_of_everything(world, curator, analyst):
    """Two more of every kind, fully linked, so an N+1 would show between 1 and 50 rows."""
    for n in range(2):
        ActorFactory()
        TopicFactory()
        tag = tag_create(user=analyst, name=f"More {n}")
        source = SourceFactory()
        excerpt = ExcerptFactory(source=source)
        agreement = AgreementFactory(actors=[world.actor], topics=[world.topic], tags=[tag])
        deal = DealFactory(supplier=world.actor, recipient=world.actor, governed_by=[agreement])
        challenge = ChallengeFactory(affects_deals=[deal], affects_agreements=[agreement])
        recommendation = RecommendationFactory(addresses=[challenge], addressed_to=[world.actor])
        tracked_update(
            instance=recommendation, user=curator, data={"owner": analyst}, expected_version=None
        )
        for record in (agreement, deal, challenge, recommendation):
            evidence_attach(record=record, excerpt=excerpt, user=curator)
            annotation_create(
                author=analyst, body="n", record=record, visibility=AnnotationVisibility.PARTNERS
            )


@pytest.mark.parametrize("name", RESOURCES)
def test_list_query_count_is_the_same_at_page_size_1_and_50(world, curator, analyst, name):
    _more_of_everything(world, curator, analyst)
    client = client_for(analyst)
    # Newest first: the first row is a fully linked one, so every prefetch runs at size 1 too
    # (Django skips a prefetch level that has no rows, which is not an N+1).
    params = {} if name in ("actors", "topics", "tags") else {"ordering": "-created"}
    client.get(f"/api/v1/{name}/", params)  # warm caches (content types)
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{name}/", {**params, "page_size": size})
        assert response.status_code == 200
        rows = len(response.json()["results"])
        assert rows == 1 if size == 1 else rows >= 3
        counts.append(len(queries))
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert counts[0] == counts[1], counts


def test_csv_export_has_a_header_and_the_filtered_rows(world, analyst):
    AgreementFactory(title="=HYPERLINK(evil)", kind="mou")
    client = client_for(analyst)
    response = client.get("/api/v1/agreements/export/", {"kind": "mou"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,url,version,")
    assert len(lines) == 2
    assert "'=HYPERLINK(evil)" in lines[1]  # a formula is defused
    rejected = client.get("/api/v1/agreements/export/", {"kind": "bribery"})
    assert rejected.status_code == 400


def test_csv_export_of_links_uses_slugs(world, analyst):
    response = client_for(analyst).get("/api/v1/agreements/export/", {"actor": "india"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    header, row = lines[0].split(","), lines[1]
    assert "actors" in header and "india" in row


@pytest.mark.parametrize("name", ["agreements", "deals", "challenges", "recommendations"])
@pytest.mark.parametrize("filtered", [False, True], ids=["first-page", "filtered"])
def test_a_record_list_page_is_one_statement_on_postgresql(world, curator, analyst, name, filtered):
    """The token with its holder's roles (one statement), then the page with its links,
    evidence, timeline and claims (record_rows, api/provenance.claims_json_sql)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the links in one query per kind (no ordered json_agg)")
    _more_of_everything(world, curator, analyst)
    client = client_for(analyst)
    params = {"page_size": 50, **({"visibility": "internal"} if filtered else {})}
    client.get(f"/api/v1/{name}/", params)  # warm caches (content types, token touch)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{name}/", params)
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    # The page's claims (provenance, claims) ride in the page's statement, whatever its size.
    assert len(statements) == 2, statements
    assert "json_agg" in statements[1]
    assert "cooperation_claim" in statements[1]
