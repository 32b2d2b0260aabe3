"""The record lists' JSON export beside the CSV (cooperation/views/lists.py json_export_view):
the same filters, streamed, staff only; and the addressee's responses in the CSV."""

from __future__ import annotations

import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import NoReverseMatch, reverse

from cooperation.choices import RecommendationStatus, ResponseClassification
from cooperation.exchange import KINDS
from cooperation.services import (
    evidence_attach,
    recommendation_response_record,
    recommendation_transition,
)
from tests.cooperation.views.helpers import csv_table
from tests.factories import (
    AgreementFactory,
    ExcerptFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db


def _url(key: str) -> str:
    return reverse(f"cooperation:{key}_json_export")


def _read(response) -> dict:
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize("key", list(KINDS))
def test_each_record_list_offers_a_json_export_of_what_it_shows(client, analyst, key):
    KINDS[key]._default_manager  # noqa: B018 - the kind exists
    client.force_login(analyst)
    page = client.get(reverse(f"cooperation:{key}_list"), {"q": "x", "page": "2"})
    assert f'href="{_url(key)}?q=x"' in page.content.decode()
    document = _read(client.get(_url(key)))
    assert document["format"] == "contours-export" and document["version"] == 1


def test_sources_and_notes_have_no_json_export():
    for key in ("source", "annotation"):
        with pytest.raises(NoReverseMatch):
            reverse(f"cooperation:{key}_json_export")


def test_the_json_export_takes_the_lists_filters(client, analyst):
    RecommendationFactory(slug="kept", title="Space cooperation")
    moved = RecommendationFactory(slug="moved", title="Space launch")
    RecommendationFactory(slug="other", title="Shipbuilding")
    recommendation_transition(
        recommendation=moved, to_status=RecommendationStatus.UNDER_REVIEW, user=None, note="n"
    )
    client.force_login(analyst)

    searched = _read(client.get(_url("recommendation"), {"q": "space"}))
    proposed = _read(client.get(_url("recommendation"), {"q": "space", "status": "proposed"}))

    assert {r["slug"] for r in searched["records"]} == {"kept", "moved"}
    assert [r["slug"] for r in proposed["records"]] == ["kept"]


def test_the_json_export_carries_evidence_timeline_responses_and_sources(client, analyst, curator):
    excerpt = ExcerptFactory()
    recommendation = RecommendationFactory(slug="r", owner=curator)
    evidence_attach(record=recommendation, excerpt=excerpt, user=curator, note="why")
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.INTERIM_REPLY,
        responded_on="2025-04",
        user=curator,
        evidence_excerpt=excerpt,
    )
    client.force_login(analyst)

    document = _read(client.get(_url("recommendation")))

    (record,) = document["records"]
    assert record["evidence"][0]["excerpt"] == excerpt.pk
    assert record["evidence"][0]["source_title"] == excerpt.source.title
    assert record["evidence"][0]["quote"] and record["evidence"][0]["note"] == "why"
    assert record["status_history"][0]["to_status"] == "proposed"
    assert record["owner"] == curator.email  # staff read staff's addresses
    (response,) = record["responses"]
    assert response["responded_on"] == "2025-04" and response["responded_on_precision"] == "month"
    assert response["evidence"]["excerpt"] == excerpt.pk
    (source,) = document["sources"]
    assert source["id"] == excerpt.source_id and source["text"] == excerpt.source.text


def test_partners_and_strangers_get_no_web_export(client, partner):
    AgreementFactory()
    assert client.get(_url("agreement")).status_code == 302  # to the login page
    client.force_login(partner)
    assert client.get(_url("agreement")).status_code in (302, 403)


def test_the_json_export_refuses_other_methods(client, analyst):
    client.force_login(analyst)
    assert client.post(_url("agreement")).status_code == 405


def test_the_csv_export_lists_the_addressees_responses(client, analyst):
    recommendation = RecommendationFactory(slug="r")
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.ACCEPTED,
        responded_on="2025-04-02",
        user=None,
        note="Agreed.",
    )
    client.force_login(analyst)
    header, row = csv_table(client.get(reverse("cooperation:recommendation_export")))
    assert row[header.index("responses")] == "Accepted (2025-04-02): Agreed."
