"""`/api/v1/<records>/json-export/` (cooperation/exchange/export.py) and the addressee's
responses in a recommendation's representation: what partners may read, and nothing more."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse

from cooperation.choices import ResponseClassification
from cooperation.services import recommendation_response_record, tracked_update
from tests.api.conftest import RECORDS, client_for

pytestmark = pytest.mark.django_db


def _export(client, name, params=None):
    response = client.get(f"/api/v1/{name}/json-export/", params or {})
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("application/json")
    body = b"".join(response.streaming_content)
    return json.loads(body), body.decode()


def _respond(world, curator):
    recommendation = world.records["recommendations"]["published"]
    tracked_update(
        instance=recommendation, user=curator, data={"owner": curator}, expected_version=None
    )
    for excerpt, day in ((world.cited_excerpt, "2025-01"), (world.published_excerpt, "2025-02")):
        recommendation_response_record(
            recommendation=recommendation,
            classification=ResponseClassification.INTERIM_REPLY,
            responded_on=day,
            user=curator,
            note=f"Reply of {day}",
            evidence_excerpt=excerpt,
        )
    return recommendation


@pytest.mark.parametrize("name", RECORDS)
def test_partners_export_published_records_only(world, partner, name):
    document, _ = _export(client_for(partner), name)
    assert document["format"] == "contours-export"
    assert [r["slug"] for r in document["records"]] == [world.records[name]["published"].slug]


@pytest.mark.parametrize("name", RECORDS)
def test_staff_export_every_record_they_may_read(world, analyst, name):
    document, _ = _export(client_for(analyst), name)
    assert {r["slug"] for r in document["records"]} == {
        world.records[name][state].slug for state in ("published", "internal")
    }


def test_partners_learn_nothing_of_unpublished_sources_nor_staff_addresses(world, partner, curator):
    _respond(world, curator)
    document, text = _export(client_for(partner), "agreements")
    (agreement,) = document["records"]
    assert agreement["evidence"] == []  # it cites the internal source only
    assert document["sources"] == [] and document["excerpts"] == []
    assert world.internal_source.title not in text

    document, text = _export(client_for(partner), "recommendations")
    (recommendation,) = document["records"]
    assert recommendation["owner"] is None and recommendation["owner_name"] == curator.full_name
    hidden, shown = recommendation["responses"]
    assert hidden["evidence"] is None
    assert shown["evidence"]["excerpt"] == world.published_excerpt.pk
    assert [s["id"] for s in document["sources"]] == [world.published_source.pk]
    assert "@" not in text  # no e-mail address at all
    assert world.internal_source.title not in text


def test_staff_get_the_evidence_partners_do_not(world, analyst, curator):
    _respond(world, curator)
    document, _ = _export(client_for(analyst), "recommendations", {"visibility": "published"})
    (recommendation,) = document["records"]
    assert recommendation["owner"] == curator.email
    assert [r["evidence"]["excerpt"] for r in recommendation["responses"]] == [
        world.cited_excerpt.pk,
        world.published_excerpt.pk,
    ]
    assert {s["id"] for s in document["sources"]} == {
        world.internal_source.pk,
        world.published_source.pk,
    }


def test_the_export_takes_the_lists_filters_and_refuses_unknown_ones(world, analyst):
    client = client_for(analyst)
    document, _ = _export(client, "agreements", {"visibility": "internal"})
    internal = world.records["agreements"]["internal"]
    assert [r["slug"] for r in document["records"]] == [internal.slug]
    assert client.get("/api/v1/agreements/json-export/", {"colour": "red"}).status_code == 400
    assert client.get("/api/v1/agreements/json-export/", {"visibility": "x"}).status_code == 400


def test_the_export_needs_credentials(world):
    assert client_for(None).get("/api/v1/agreements/json-export/").status_code == 401


def test_a_recommendation_shows_its_responses_in_the_list_and_the_detail(world, partner, curator):
    recommendation = _respond(world, curator)
    client = client_for(partner)
    detail = client.get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    (row,) = client.get("/api/v1/recommendations/").json()["results"]
    assert row["responses"] == detail["responses"]
    hidden, shown = detail["responses"]
    assert hidden["evidence_excerpt"] is None  # it quotes the internal source
    assert shown["evidence_excerpt"] == world.published_excerpt.pk
    assert shown["classification"] == "interim_reply" and shown["responded_on"] == "2025-02"
    assert shown["recorded_by"] == curator.full_name
    assert set(shown) == {
        "id",
        "classification",
        "responded_on",
        "recorded_at",
        "recorded_by",
        "note",
        "evidence_excerpt",
        "evidence_url",
    }


def test_staff_see_every_response_evidence(world, analyst, curator):
    recommendation = _respond(world, curator)
    detail = client_for(analyst).get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    assert [r["evidence_excerpt"] for r in detail["responses"]] == [
        world.cited_excerpt.pk,
        world.published_excerpt.pk,
    ]


def test_the_api_csv_names_each_response_by_its_classification(world, analyst, curator):
    _respond(world, curator)
    response = client_for(analyst).get(
        "/api/v1/recommendations/export/", {"visibility": "published"}, HTTP_ACCEPT="text/csv"
    )
    header, row = (
        line for line in csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert row[header.index("responses")] == "interim_reply; interim_reply"
