"""External identifiers in the API: shown on records and actors, filtered by, added, removed."""

from __future__ import annotations

import pytest

from cooperation.choices import Visibility
from cooperation.models import Identifier
from cooperation.services.identifiers import identifier_add
from tests.api.conftest import RECORDS, client_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = dict(
    zip(
        RECORDS,
        (AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory),
        strict=True,
    )
)


@pytest.mark.parametrize("resource", RECORDS)
def test_list_detail_and_filter(resource, partner):
    named = FACTORIES[resource](visibility=Visibility.PUBLISHED)
    FACTORIES[resource](visibility=Visibility.PUBLISHED)
    identifier_add(user=None, record=named, scheme="wikidata", value="Q668")
    client = client_for(partner)
    want = [{"scheme": "wikidata", "value": "Q668", "url": "https://www.wikidata.org/wiki/Q668"}]
    detail = client.get(f"/api/v1/{resource}/{named.pk}/").json()
    assert detail["identifiers"] == want
    found = client.get(f"/api/v1/{resource}/", {"identifier": "wikidata:q668"})
    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [named.pk]
    assert found.json()["results"][0]["identifiers"] == want
    assert client.get(f"/api/v1/{resource}/", {"identifier": "wikidata:Q1"}).json()["results"] == []


@pytest.mark.parametrize("bad", ["wikidata", "wikidata:X", "isbn:1", "unts:33"])
def test_malformed_filter_is_a_400_naming_the_parameter(bad, partner):
    answer = client_for(partner).get("/api/v1/agreements/", {"identifier": bad})
    assert answer.status_code == 400
    assert "identifier" in answer.content.decode()


def test_unreadable_record_identifiers_do_not_leak(partner):
    hidden = AgreementFactory(visibility=Visibility.DRAFT)
    identifier_add(user=None, record=hidden, scheme="wikidata", value="Q5")
    client = client_for(partner)
    assert client.get("/api/v1/agreements/", {"identifier": "wikidata:Q5"}).json()["results"] == []
    assert "Q5" not in client.get("/api/v1/agreements/").content.decode()


def test_actor_identifiers_and_filter(partner, curator):
    actor = ActorFactory()
    ActorFactory()
    client = client_for(curator)
    added = client.post(
        f"/api/v1/actors/{actor.pk}/identifiers/",
        {"scheme": "wikidata", "value": "q668"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert added.status_code == 200, added.content
    assert added.json()["identifiers"][0]["value"] == "Q668"
    found = client_for(partner).get("/api/v1/actors/", {"identifier": "wikidata:Q668"}).json()
    assert [row["id"] for row in found["results"]] == [actor.pk]


def test_add_and_remove_on_a_record(curator, partner):
    deal = DealFactory()
    other = DealFactory(title="The other deal")
    client = client_for(curator)
    url = f"/api/v1/deals/{deal.pk}/identifiers/"
    added = client.post(
        url, {"scheme": "unts", "value": "i:12"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert added.status_code == 200, added.content
    assert added.json()["identifiers"][0]["value"] == "I:12"
    bad = client.post(
        url, {"scheme": "unts", "value": "12"}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert bad.status_code == 400 and "I:33521" in bad.content.decode()
    duplicate = client.post(
        f"/api/v1/deals/{other.pk}/identifiers/",
        {"scheme": "unts", "value": "I:12"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )
    assert duplicate.status_code == 400 and deal.title in duplicate.content.decode()
    refused = client_for(partner).post(
        url, {"scheme": "wikidata", "value": "Q1"}, format="json", HTTP_IDEMPOTENCY_KEY="k4"
    )
    assert refused.status_code in (403, 404)
    removed = client.post(
        url + "remove/",
        {"scheme": "unts", "value": "I:12"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k5",
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["identifiers"] == []
    assert Identifier.objects.count() == 0
