"""The record lists' read path (cooperation/api/record_rows.py) shows records as details do."""

from __future__ import annotations

import pytest

from cooperation.services import evidence_attach, excerpt_create
from cooperation.services.identifiers import identifier_add
from cooperation.synthetic.generator import synthetic_data_generate
from tests.api.conftest import RECORDS, client_for
from tests.factories import AgreementFactory


def _normalised(value):
    """Lists of links in a canonical order: ties in a title may come back either way round."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_normalised(item) for item in value]
        return sorted(items, key=repr) if all(isinstance(i, dict) for i in items) else items
    return value


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
    from django.test import RequestFactory
    from django.urls import resolve

    from bench.measure import _drf_view
    from tests.api.conftest import make_token

    user = request.getfixturevalue(role)
    token = make_token(user, write=True)
    rows = client_for(user).get(f"/api/v1/{resource}/", {"page_size": 200}).json()["results"]
    assert rows
    factory = RequestFactory(HTTP_HOST="testserver")
    for row in rows[:25]:
        path = f"/api/v1/{resource}/{row['id']}/"
        detail = client_for(user).get(path)
        view, drf_request = _drf_view(
            resolve(path), factory.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        )
        view.perform_authentication(drf_request)
        view.action = "retrieve"
        obj = view.get_object()
        data, etag = view.representation(obj)
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
