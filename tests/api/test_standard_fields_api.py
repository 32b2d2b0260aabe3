"""Issue 14's standard fields in the API: SIPRI's on deals, the UN Treaty Series record's on
agreements, read and written with If-Match, refused with field errors, in the CSV, the
filters, and the partner list's rows (tests/api/test_record_rows.py holds list = detail)."""

from __future__ import annotations

import csv
import io

import pytest

from cooperation.choices import Visibility
from cooperation.models import Agreement, Deal
from cooperation.services import record_set_visibility
from tests.api.conftest import client_for
from tests.factories import API_BASIS, ActorFactory, AgreementFactory, DealFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

SIPRI = {
    "weapon_category": "aircraft",
    "licensed_production": True,
    "number_ordered": 12,
    "number_delivered": 4,
    "delivery_first_year": 2020,
    "delivery_last_year": 2023,
    "estimated_value": "1650000000.00",
    "value_currency": "usd",
    "value_year": 2019,
    **API_BASIS,
}


def _etag(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


def test_a_deals_sipri_fields_round_trip_with_if_match(analyst):
    deal = DealFactory()
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/"
    assert client.patch(path, SIPRI, format="json").status_code == 428
    response = client.patch(path, SIPRI, format="json", HTTP_IF_MATCH=_etag(client, path))
    assert response.status_code == 200, response.json().get("errors")
    body = response.json()
    assert body["version"] == 2
    sipri = {key: value for key, value in SIPRI.items() if key != "basis"}
    assert {key: body[key] for key in sipri} == {**sipri, "value_currency": "USD"}
    assert client.get(path).json() == {**body, "actions": body["actions"]}
    deal.refresh_from_db()
    assert history_rows(deal)[0].number_delivered == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number_ordered": 2, "number_delivered": 3}, "number_delivered"),
        ({"number_ordered": -1}, "number_ordered"),
        ({"delivery_first_year": 2021, "delivery_last_year": 2020}, "delivery_last_year"),
        ({"delivery_first_year": 1066}, "delivery_first_year"),
        ({"estimated_value": "10.00"}, "value_currency"),
        ({**SIPRI, "value_currency": "US$"}, "value_currency"),
        ({"weapon_category": "spears"}, "weapon_category"),
    ],
)
def test_bad_sipri_values_are_400_beside_their_field(analyst, changes, field):
    deal = DealFactory()
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/"
    changes = {**changes, **API_BASIS}
    response = client.patch(path, changes, format="json", HTTP_IF_MATCH=_etag(client, path))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    deal.refresh_from_db()
    assert deal.version == 1


def test_an_agreements_treaty_record_round_trips_with_if_match(analyst):
    india, japan = ActorFactory(slug="india"), ActorFactory(slug="japan")
    older = AgreementFactory(slug="older")
    agreement = AgreementFactory(parties=[india])
    client = client_for(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/"
    data = {
        "place_of_signature": "Tokyo",
        "depositary": "Government of Japan",
        "registration_number": "I:54113",
        "parties": ["india", "japan"],
        "party_dates": [
            {"party": "japan", "signed_on": "2015-12-12", "ratified_on": "2016"},
            {"party": india.pk, "signed_on": "2015-12"},
        ],
        "amends": ["older"],
        "supersedes": [],
        "in_force_on": "2016-07",
        **API_BASIS,
    }
    response = client.patch(path, data, format="json", HTTP_IF_MATCH=_etag(client, path))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["party_dates"] == [
        {"party": japan.pk, "signed_on": "2015-12-12", "ratified_on": "2016"},
        {"party": india.pk, "signed_on": "2015-12", "ratified_on": None},
    ]
    assert [a["slug"] for a in body["amends"]] == ["older"] and body["supersedes"] == []
    assert body["registration_number"] == "I:54113" and body["in_force_on"] == "2016-07"
    assert Agreement.objects.get(pk=older.pk).amended_by.get() == agreement


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"registration_number": "I-54113"}, "registration_number"),
        ({"party_dates": [{"party": "atlantis", "signed_on": "2015"}]}, "party_dates"),
        ({"party_dates": [{"party": "japan", "signed_on": "2015"}]}, "party_dates"),
        ({"party_dates": [{"party": "india", "signed_on": "12/12/2015"}]}, "party_dates"),
        ({"party_dates": "india 2015"}, "party_dates"),
        ({"amends": ["self"]}, "amends"),
    ],
)
def test_bad_treaty_values_are_400_beside_their_field(analyst, changes, field):
    india = ActorFactory(slug="india")
    ActorFactory(slug="japan")
    agreement = AgreementFactory(slug="self", parties=[india])
    client = client_for(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/"
    changes = {**changes, **API_BASIS}
    response = client.patch(path, changes, format="json", HTTP_IF_MATCH=_etag(client, path))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    agreement.refresh_from_db()
    assert agreement.version == 1 and agreement.party_dates == []


def test_the_filters_and_the_csv(analyst, partner, curator):
    aircraft = DealFactory(title="US-2", weapon_category="aircraft", licensed_production=True)
    DealFactory(weapon_category="ships")
    treaty = AgreementFactory(registration_number="I:33521")
    AgreementFactory()
    for record in (aircraft, treaty):
        record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)
    for user in (analyst, partner):
        client = client_for(user)
        by_category = client.get("/api/v1/deals/", {"weapon_category": "aircraft"}).json()
        assert [d["id"] for d in by_category["results"]] == [aircraft.pk]
        licensed = client.get("/api/v1/deals/", {"licensed_production": "true"}).json()
        assert [d["id"] for d in licensed["results"]] == [aircraft.pk]
        by_number = client.get("/api/v1/agreements/", {"registration_number": "I:33521"}).json()
        assert [a["id"] for a in by_number["results"]] == [treaty.pk]
        searched = client.get("/api/v1/agreements/", {"q": "I:33521"}).json()
        assert [a["id"] for a in searched["results"]] == [treaty.pk]
    client = client_for(analyst)
    assert client.get("/api/v1/deals/", {"weapon_category": "spears"}).status_code == 400
    export = client.get("/api/v1/deals/export/", {"weapon_category": "aircraft"})
    text = b"".join(export.streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(text)))
    cells = dict(zip(header, row, strict=True))
    assert cells["weapon_category"] == "aircraft" and cells["licensed_production"] == "true"
    assert Deal.objects.count() == 2


def test_partners_see_amends_only_to_published_agreements(partner, curator):
    hidden = AgreementFactory(title="Internal draft treaty")
    shown = AgreementFactory(title="Published treaty")
    amending = AgreementFactory(amends=[hidden, shown], supersedes=[hidden])
    for record in (shown, amending):
        record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)
    client = client_for(partner)
    detail = client.get(f"/api/v1/agreements/{amending.pk}/").json()
    listed = next(
        a for a in client.get("/api/v1/agreements/").json()["results"] if a["id"] == amending.pk
    )
    for document in (detail, listed):
        assert [a["id"] for a in document["amends"]] == [shown.pk]
        assert document["supersedes"] == []
    export = client.get("/api/v1/agreements/export/")
    header, *rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    cells = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == str(amending.pk))
    assert (cells["amends"], cells["supersedes"]) == (shown.slug, "")
