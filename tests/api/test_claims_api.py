"""Provenance on every record read, claims on the record, and the claims endpoints."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from cooperation.choices import ClaimRank, Visibility
from cooperation.models import Claim
from cooperation.provenance import Basis
from cooperation.services import record_set_visibility
from tests.api.conftest import client_for
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "agreements": AgreementFactory,
    "deals": DealFactory,
    "challenges": ChallengeFactory,
    "recommendations": RecommendationFactory,
}
BRIEF_SAYS_2016 = {"field": "signed_on", "value": "2016"}


def _agreement(user, **kwargs):
    return AgreementFactory(
        user=user,
        signed_on=date(2015, 12, 12),
        basis=Basis.public_record("Joint Statement", publisher="MEA", url="https://mea.gov.in/"),
        **kwargs,
    )


def test_provenance_is_on_the_list_and_the_detail_and_claims_on_the_detail(analyst, curator):
    agreement = _agreement(curator)
    client = client_for(analyst)
    detail = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    listed = client.get("/api/v1/agreements/").json()["results"][0]
    assert detail["provenance"] == listed["provenance"]
    signed = detail["provenance"]["signed_on"]
    assert signed["basis"] == "public_record" and signed["value"] == "2015-12-12"
    assert signed["citation"]["title"] == "Joint Statement"
    assert signed["rank"] == ClaimRank.PREFERRED and signed["disputed"] is False
    assert signed["author"] == curator.full_name and signed["created"].endswith("Z")
    claim = Claim.objects.get(spine_id=agreement.spine_id, field="signed_on")
    assert signed["id"] == claim.pk
    assert {c["field"] for c in detail["claims"]} == set(detail["provenance"])


def test_a_claim_is_added_disputes_the_field_and_ranking_it_resolves(analyst, curator):
    agreement = _agreement(curator)
    excerpt = ExcerptFactory()
    client = client_for(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/claims/"
    body = {**BRIEF_SAYS_2016, "basis": {"basis": "brief", "excerpts": [excerpt.pk]}}
    added = client.post(path, body, format="json")
    assert added.status_code == 201, added.json()
    claim = added.json()
    assert (claim["rank"], claim["basis"], claim["excerpts"]) == ("normal", "brief", [excerpt.pk])
    detail = client.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert detail["provenance"]["signed_on"]["disputed"] is True
    assert len(client.get(path).json()) == len(detail["claims"])

    ranked = client.post(f"{path}{claim['id']}/rank/", {"rank": "preferred"}, format="json")
    assert ranked.status_code == 200, ranked.json()
    assert ranked.json()["rank"] == "preferred"
    agreement.refresh_from_db()
    assert agreement.signed_on.year == 2016
    shown = client.get(f"/api/v1/agreements/{agreement.pk}/").json()["provenance"]["signed_on"]
    assert (shown["id"], shown["disputed"]) == (claim["id"], False)


def test_a_claim_needs_a_basis_and_a_factual_field(analyst, curator):
    agreement = _agreement(curator)
    client = client_for(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/claims/"
    no_basis = client.post(path, BRIEF_SAYS_2016, format="json")
    assert no_basis.status_code == 400 and "basis" in no_basis.json()["errors"]
    basis = {"basis": {"basis": "judgement", "reason": "x"}}
    not_a_fact = client.post(path, {"field": "title", "value": "x", **basis}, format="json")
    assert not_a_fact.status_code == 400 and "field" in not_a_fact.json()["errors"]
    bad_value = client.post(path, {"field": "signed_on", "value": "soon", **basis}, format="json")
    assert bad_value.status_code == 400 and "value" in bad_value.json()["errors"]
    bad_rank = client.post(f"{path}1/rank/", {"rank": "best"}, format="json")
    assert bad_rank.status_code == 400
    assert Claim.objects.filter(spine_id=agreement.spine_id).count() == 2


def test_a_fraction_for_a_whole_number_is_400_and_a_number_sent_as_text_is_kept_as_one(
    analyst,
):
    deal = DealFactory(user=analyst, number_ordered=12)
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/claims/"
    basis = {"basis": {"basis": "judgement", "reason": "x"}}
    before = Claim.objects.filter(spine_id=deal.spine_id).count()
    for sent in (1e-05, 12.5, True):
        response = client.post(
            path, {"field": "number_ordered", "value": sent, **basis}, format="json"
        )
        assert response.status_code == 400, sent
        assert "value" in response.json()["errors"]
    assert Claim.objects.filter(spine_id=deal.spine_id).count() == before
    agreeing = client.post(path, {"field": "number_ordered", "value": "12", **basis}, format="json")
    assert agreeing.status_code == 201
    assert agreeing.json()["value"] == 12
    assert (
        client.get(f"/api/v1/deals/{deal.pk}/").json()["provenance"]["number_ordered"]["disputed"]
        is False
    )


def test_read_only_tokens_and_partners_may_not_add_or_rank(analyst, curator, partner):
    agreement = _agreement(curator)
    record_set_visibility(record=agreement, user=curator, visibility=Visibility.PUBLISHED)
    claim = Claim.objects.get(spine_id=agreement.spine_id, field="signed_on")
    path = f"/api/v1/agreements/{agreement.pk}/claims/"
    body = {**BRIEF_SAYS_2016, "basis": {"basis": "judgement", "reason": "x"}}
    for client in (client_for(analyst, write=False), client_for(partner, write=True)):
        assert client.get(path).status_code == 200
        assert client.post(path, body, format="json").status_code == 403
        rank = client.post(f"{path}{claim.pk}/rank/", {"rank": "deprecated"}, format="json")
        assert rank.status_code == 403
    assert Claim.objects.filter(spine_id=agreement.spine_id).count() == 2


def test_a_claim_of_another_record_is_404(analyst, curator):
    agreement, other = _agreement(curator), DealFactory(user=curator)
    theirs = Claim.objects.filter(spine_id=other.spine_id).first()
    client = client_for(analyst)
    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/claims/{theirs.pk}/rank/",
        {"rank": "deprecated"},
        format="json",
    )
    assert response.status_code == 404


def test_partners_see_no_excerpt_of_an_unpublished_source_in_provenance(curator, partner):
    excerpt = ExcerptFactory()  # its source is not published
    deal = DealFactory(user=curator, basis=Basis.brief(excerpt))
    record_set_visibility(record=deal, user=curator, visibility=Visibility.PUBLISHED)
    document = client_for(partner).get(f"/api/v1/deals/{deal.pk}/").json()
    assert document["provenance"]["status"]["basis"] == "brief"
    assert document["provenance"]["status"]["excerpts"] == []
    assert all(c["excerpts"] == [] for c in document["claims"])


def test_the_csv_has_a_provenance_column(analyst, curator):
    agreement = _agreement(curator)
    response = client_for(analyst).get("/api/v1/agreements/export/")
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = dict(zip(header, row, strict=True))
    assert "basis" not in header and "claims" not in header
    provenance = json.loads(cells["provenance"])
    claim = Claim.objects.get(spine_id=agreement.spine_id, field="signed_on")
    assert provenance["signed_on"] == {
        "basis": "public_record",
        "claim": claim.pk,
        "citation": {"title": "Joint Statement", "publisher": "MEA", "url": "https://mea.gov.in/"},
    }


@pytest.mark.parametrize("name", ["agreements", "deals", "challenges", "recommendations"])
def test_the_source_filter_on_the_list_the_csv_and_the_json_export(analyst, curator, name):
    excerpt = ExcerptFactory()
    attested = FACTORIES[name](user=curator, basis=Basis.brief(excerpt))
    FACTORIES[name](user=curator)
    client = client_for(analyst)
    params = {"source": excerpt.source_id}
    listed = client.get(f"/api/v1/{name}/", params).json()["results"]
    assert [r["id"] for r in listed] == [attested.pk]
    text = b"".join(client.get(f"/api/v1/{name}/export/", params).streaming_content).decode()
    assert [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]] == [str(attested.pk)]
    exported = client.get(f"/api/v1/{name}/json-export/", params)
    document = json.loads(b"".join(exported.streaming_content))
    assert [r["id"] for r in document["records"]] == [attested.pk]
    assert document["records"][0]["claims"]


def test_a_claim_added_beside_the_value_changes_the_etag_and_last_modified(analyst, curator):
    agreement = _agreement(curator)
    client = client_for(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/"
    first = client.get(path)
    body = {**BRIEF_SAYS_2016, "basis": {"basis": "judgement", "reason": "Another reading"}}
    assert client.post(f"{path}claims/", body, format="json").status_code == 201
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert again["Last-Modified"] >= first["Last-Modified"]


def test_a_link_to_no_id_is_400_and_an_id_sent_as_text_or_a_currency_in_small_letters_agree(
    analyst,
):
    """ "japan" for a supplier once reached int() and answered 500; true was actor 1."""
    japan = ActorFactory()
    deal = DealFactory(
        user=analyst,
        supplier=japan,
        estimated_value="1500000",
        value_currency="USD",
        value_year=2016,
    )
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/claims/"
    basis = {"basis": {"basis": "judgement", "reason": "x"}}
    before = Claim.objects.filter(spine_id=deal.spine_id).count()
    for sent in ("japan", True, 1.5, -1, 2**70, "9" * 5000, [japan.pk], {"id": japan.pk}):
        response = client.post(path, {"field": "supplier", "value": sent, **basis}, format="json")
        assert response.status_code == 400, sent
        assert response["Content-Type"] == "application/problem+json", sent
        assert "value" in response.json()["errors"], sent
    assert Claim.objects.filter(spine_id=deal.spine_id).count() == before
    for field, sent, kept in (
        ("supplier", str(japan.pk), japan.pk),
        ("value_currency", "usd", "USD"),
    ):
        agreeing = client.post(path, {"field": field, "value": sent, **basis}, format="json")
        assert agreeing.status_code == 201, field
        assert agreeing.json()["value"] == kept
    provenance = client.get(f"/api/v1/deals/{deal.pk}/").json()["provenance"]
    assert provenance["supplier"]["disputed"] is False
    assert provenance["value_currency"]["disputed"] is False
