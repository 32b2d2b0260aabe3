"""The record lists' read path (cooperation/api/record_rows.py) shows records as details do."""

from __future__ import annotations

import pytest

from cooperation.services import evidence_attach, excerpt_create
from cooperation.services.identifiers import identifier_add
from cooperation.synthetic.generator import synthetic_data_generate
from tests.api.conftest import RECORDS, client_for, make_token
from tests.factories import AgreementFactory


def _normalised(value):
    """Lists of links in a canonical order: ties in a title may come back either way round."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_normalised(item) for item in value]
        return sorted(items, key=repr) if all(isinstance(i, dict) for i in items) else items
    return value


def _written(path: str, token: str) -> tuple[dict, str]:
    """The record at `path` as a write answers with it (the serializer, view.representation)
    for the token's holder, with its ETag."""
    from django.test import RequestFactory
    from django.urls import resolve

    from bench.measure import _drf_view

    request = RequestFactory(HTTP_HOST="testserver").get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    view, drf_request = _drf_view(resolve(path), request)
    view.perform_authentication(drf_request)
    view.action = "retrieve"
    return view.representation(view.get_object())


@pytest.fixture
def world(db, seed_source):
    synthetic_data_generate(records=60, seed=11)
    # A quote across a running header reads without it: the one case where quote != exact.
    header_start, header_end = seed_source.furniture[0]
    excerpt = excerpt_create(
        source=seed_source, start=header_start - 40, end=header_end + 40, user=None
    )
    agreement = AgreementFactory(visibility="published")
    evidence_attach(record=agreement, excerpt=excerpt, user=None)
    identifier_add(user=None, record=agreement, scheme="wikidata", value="Q4")
    identifier_add(user=None, record=agreement, scheme="unts", value="I:33521")
    return agreement, excerpt


@pytest.mark.parametrize("resource", RECORDS)
@pytest.mark.parametrize("role", ["partner", "curator"])
def test_record_list_rows_match_their_details(world, resource, role, request):
    client = client_for(request.getfixturevalue(role))
    listed = client.get(f"/api/v1/{resource}/", {"page_size": 200})
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert rows
    for row in rows:
        detail = client.get(f"/api/v1/{resource}/{row['id']}/")
        assert detail.status_code == 200
        assert list(row) == list(detail.json())
        assert _normalised(row) == _normalised(detail.json())


def test_record_list_rows_read_quotes_without_page_furniture(world, curator):
    # Staff: the seed brief is not published, so partners are not shown this evidence.
    agreement, excerpt = world
    assert excerpt.display_quote != excerpt.exact
    rows = client_for(curator).get("/api/v1/agreements/", {"page_size": 200}).json()["results"]
    (row,) = [row for row in rows if row["id"] == agreement.pk]
    assert row["evidence"][0]["quote"] == excerpt.display_quote


def test_record_list_rows_hide_links_to_unpublished_records(world, partner, curator):
    def linked(user):
        rows = client_for(user).get("/api/v1/recommendations/", {"page_size": 200}).json()
        return {link["id"] for row in rows["results"] for link in row["addresses"]}

    from cooperation.models import Challenge

    published = set(Challenge.objects.filter(visibility="published").values_list("pk", flat=True))
    assert linked(partner) <= published
    assert linked(curator) - published


@pytest.mark.parametrize("resource", RECORDS)
@pytest.mark.parametrize("role", ["partner", "curator"])
def test_a_detail_is_what_the_serializer_shows(world, resource, role, request):
    """The detail is built by the list's read path (one statement); writes answer with the
    serializer. Both must give one document, so a GET's ETag holds for the next If-Match."""
    from tests.api.conftest import make_token

    user = request.getfixturevalue(role)
    token = make_token(user, write=True)
    rows = client_for(user).get(f"/api/v1/{resource}/", {"page_size": 200}).json()["results"]
    assert rows
    for row in rows[:25]:
        path = f"/api/v1/{resource}/{row['id']}/"
        detail = client_for(user).get(path)
        data, etag = _written(path, token)
        assert _normalised(detail.json()) == _normalised(dict(data)), path
        assert list(detail.json()) == list(data)
        assert detail["ETag"] == etag, path


@pytest.mark.parametrize("resource", RECORDS)
def test_a_detail_etag_holds_for_a_write(world, resource, curator):
    client = client_for(curator)
    row = client.get(f"/api/v1/{resource}/", {"page_size": 1}).json()["results"][0]
    path = f"/api/v1/{resource}/{row['id']}/"
    detail = client.get(path)
    written = client.patch(
        path, {"title": row["title"] + " (edited)"}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert written.status_code == 200, written.content
    again = client.get(path)
    assert again["ETag"] == written["ETag"]
    assert _normalised(again.json()) == _normalised(written.json())


def test_timelines_read_as_the_serializer_writes_them(db, curator, partner):
    """On PostgreSQL a recommendation's status moves and responses come finished from SQL
    (record_rows._status_sql, _responses_sql): every way a timestamp, a partial date and a
    person can read must come out as the serializer writes them."""
    from datetime import UTC, datetime

    from cooperation.models import RecommendationResponse, RecommendationStatusChange
    from cooperation.services import recommendation_response_record, recommendation_transition
    from tests.factories import (
        CuratorFactory,
        ExcerptFactory,
        OrganisationFactory,
        RecommendationFactory,
    )

    nameless = CuratorFactory(full_name="")
    organised = CuratorFactory(full_name="", organisation=OrganisationFactory(name="Think Tank"))
    unpublished = ExcerptFactory()  # its source is not published: withheld from partners
    record = RecommendationFactory(visibility="published")
    moves = [
        ("under_review", curator, "2015"),
        ("accepted", nameless, "2015-12"),
        ("in_progress", curator, "2016-01-31"),
        ("implemented", organised, "2016-02-29"),
    ]
    for to_status, user, happened in moves:
        recommendation_transition(
            recommendation=record,
            to_status=to_status,
            user=user,
            note='Agreed "in principle" — 日本\\',
            happened_on=happened,
            evidence_excerpt=unpublished if to_status == "implemented" else None,
        )
    answered = (("2014", curator), ("2014-02", nameless), ("2014-03-04", curator))
    for responded, user in (*answered, ("2014-03-05", organised)):
        recommendation_response_record(
            recommendation=record,
            classification="accepted",
            responded_on=responded,
            user=user,
            evidence_excerpt=unpublished if user is organised else None,
        )
    # Whole seconds (no fraction written), a fraction, and moves by people since gone.
    changes = list(RecommendationStatusChange.objects.filter(recommendation=record).order_by("id"))
    RecommendationStatusChange.objects.filter(pk=changes[0].pk).update(
        changed_at=datetime(2016, 2, 1, 8, 30, 5, tzinfo=UTC), changed_by=None
    )
    RecommendationStatusChange.objects.filter(pk=changes[1].pk).update(
        changed_at=datetime(2016, 2, 2, 23, 59, 59, 1, tzinfo=UTC)
    )
    answers = list(RecommendationResponse.objects.filter(recommendation=record).order_by("id"))
    RecommendationResponse.objects.filter(pk=answers[0].pk).update(
        recorded_at=datetime(2016, 3, 1, tzinfo=UTC), recorded_by=None
    )

    for user in (curator, partner):
        path = f"/api/v1/recommendations/{record.pk}/"
        shown = client_for(user).get(path).json()
        from rest_framework.test import APIRequestFactory

        from cooperation.api.serializers import RecommendationSerializer

        drf_request = APIRequestFactory().get(path)
        drf_request.user = user
        written = RecommendationSerializer(
            type(record).objects.get(pk=record.pk), context={"request": drf_request}
        ).data
        for timeline in ("status_history", "responses"):
            assert shown[timeline] == written[timeline]
            assert [list(item) for item in shown[timeline]] == [
                list(item) for item in written[timeline]
            ]
        history = shown["status_history"]
        assert [move["happened_on"] for move in history if move["from_status"]] == [
            "2015",
            "2015-12",
            "2016-01-31",
            "2016-02-29",
        ]
        assert {move["changed_at"] for move in history} >= {
            "2016-02-01T08:30:05Z",
            "2016-02-02T23:59:59.000001Z",
        }
        assert {move["changed_by"] for move in history} >= {
            None,
            "Contours team",
            "Chandra Curator",
            "Think Tank",
        }
        assert [answer["responded_on"] for answer in shown["responses"]] == [
            "2014",
            "2014-02",
            "2014-03-04",
            "2014-03-05",
        ]
        assert shown["responses"][0]["recorded_at"] == "2016-03-01T00:00:00Z"
        assert [answer["recorded_by"] for answer in shown["responses"]] == [
            None,
            "Contours team",
            "Chandra Curator",
            "Think Tank",
        ]
        cited = {history[-1]["evidence_excerpt"], shown["responses"][-1]["evidence_excerpt"]}
        assert cited == ({None} if user is partner else {unpublished.pk})


def test_claims_read_as_the_serializer_writes_them(db, curator, analyst, partner):
    """On PostgreSQL a record's claims come finished from SQL (provenance.claims_json_sql),
    all but which excerpts the reader may see: every way an author, a citation, a rank and
    a timestamp can read must come out as the serializer (read_claims) writes them, and a
    partner must see no excerpt of a source they may not read."""
    from datetime import UTC, date, datetime

    from cooperation.models import Claim, Source
    from cooperation.provenance import Basis
    from cooperation.services import claim_add, claim_set_rank, record_set_visibility
    from tests.api.conftest import make_token
    from tests.factories import (
        AnalystFactory,
        DealFactory,
        ExcerptFactory,
        OrganisationFactory,
        SourceFactory,
    )

    published, unpublished = SourceFactory(), SourceFactory()
    Source.all_objects.filter(pk=published.pk).update(visibility="published")
    shown, withheld = ExcerptFactory(source=published), ExcerptFactory(source=unpublished)
    deal = DealFactory(user=curator, basis=Basis.brief(shown, withheld))
    evidence_attach(record=deal, excerpt=shown, user=curator)
    evidence_attach(record=deal, excerpt=withheld, user=curator)
    record_set_visibility(record=deal, user=curator, visibility="published")
    organised = AnalystFactory(full_name="", organisation=OrganisationFactory(name="Think Tank"))
    nameless = AnalystFactory(full_name="")
    claim_add(
        user=organised,
        record=deal,
        field="status",
        value="signed",
        basis=Basis.public_record("Gazette", publisher="GoI", accessed=date(2016, 1, 2)),
    )
    claim_add(
        user=nameless,
        record=deal,
        field="status",
        value="negotiating",
        basis=Basis.public_record("Press note"),
    )
    claim_add(
        user=analyst, record=deal, field="status", value="stalled", basis=Basis.judgement("Why")
    )
    # Ranked above an older claim: claims read by field, then rank, then age.
    signed = Claim.objects.get(spine_id=deal.spine_id, field="status", value="signed")
    claim_set_rank(user=curator, claim=signed, rank="preferred")
    claims = Claim.objects.filter(spine_id=deal.spine_id).order_by("id")
    Claim.objects.filter(pk=claims.first().pk).update(
        created_by=None, created_at=datetime(2016, 2, 1, 8, 30, tzinfo=UTC)
    )

    path = f"/api/v1/deals/{deal.pk}/"
    for user in (curator, partner):
        token = make_token(user, write=True)
        document = client_for(user).get(path).json()
        listed = client_for(user).get("/api/v1/deals/", {"page_size": 200}).json()["results"]
        (row,) = [row for row in listed if row["id"] == deal.pk]
        data, _ = _written(path, token)
        for shown_to in (document, row):
            assert shown_to["claims"] == data["claims"]
            assert shown_to["provenance"] == data["provenance"]
        authors = {claim["author"] for claim in document["claims"]}
        assert {None, "Think Tank", "Contours team"} <= authors
        assert "2016-02-01T08:30:00Z" in {claim["created"] for claim in document["claims"]}
        cited = [c["citation"] for c in document["claims"] if c["citation"]]
        assert {
            "title": "Gazette",
            "publisher": "GoI",
            "url": "",
            "accessed": "2016-01-02",
        } in cited
        excerpts = {e for claim in document["claims"] for e in claim["excerpts"]}
        if user is partner:
            assert shown.pk in excerpts and withheld.pk not in excerpts
        else:
            assert {shown.pk, withheld.pk} <= excerpts


def test_link_urls_follow_each_request_host_and_script_prefix(world, curator):
    """Link URLs are the request's scheme and host before a path reversed once per process
    (record_rows._Urls): another host, or the portal mounted under a prefix, must read in
    every URL of the next request, and nothing of it in the one after."""
    from django.urls import set_script_prefix

    client = client_for(curator)

    def first(**extra):
        rows = client.get("/api/v1/recommendations/", {"page_size": 200}, **extra).json()
        return next(row for row in rows["results"] if row["actors"])

    def urls(document):
        found = [document["url"], document["web_url"]]
        for value in document.values():
            if isinstance(value, list):
                found += [item["url"] for item in value if isinstance(item, dict) and "url" in item]
        return found

    plain = first()
    assert all(url.startswith("http://testserver/") for url in urls(plain))
    other = first(HTTP_HOST="localhost")
    assert all(url.startswith("http://localhost/") for url in urls(other))
    set_script_prefix("/portal/")  # as the WSGI handler sets it from SCRIPT_NAME
    try:
        mounted = first()
    finally:
        set_script_prefix("/")
    assert len(urls(mounted)) > 2
    assert all(url.startswith("http://testserver/portal/") for url in urls(mounted))
    assert mounted["url"] == plain["url"].replace("testserver/", "testserver/portal/")
    assert first() == plain


def test_owners_are_named_as_the_serializer_names_them(db, curator, partner):
    """On PostgreSQL the owner's name comes in the page's statement (record_rows._owner_sql)
    instead of a joined user row: a named owner, a nameless one (the team), a nameless
    member of an organisation (its name) and none read as the serializer writes them, on
    the list and the detail, and a page asks no more queries for owners without names."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CuratorFactory, OrganisationFactory, RecommendationFactory

    def owned(owner):
        return RecommendationFactory(visibility="published", owner=owner)

    tank = OrganisationFactory(name="Think Tank")
    records = {
        "Chandra Curator": owned(curator),
        "Contours team": owned(CuratorFactory(full_name="")),
        "Think Tank": owned(CuratorFactory(full_name="", organisation=tank)),
        None: owned(None),
    }
    for user in (curator, partner):
        client = client_for(user)
        listed = {
            row["id"]: row["owner_name"]
            for row in client.get("/api/v1/recommendations/", {"page_size": 200}).json()["results"]
        }
        for name, record in records.items():
            path = f"/api/v1/recommendations/{record.pk}/"
            shown = client.get(path).json()
            written, _ = _written(path, make_token(user))
            assert shown["owner_name"] == written["owner_name"] == listed[record.pk] == name

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/recommendations/", {"page_size": 200}).status_code == 200
        return len(queries)

    client = client_for(curator)
    page_queries()  # the token's first use is recorded once
    before = page_queries()
    for _ in range(3):
        owned(CuratorFactory(full_name="", organisation=OrganisationFactory()))
    assert page_queries() == before
