"""API writes say where the facts they change come from: the write-only `basis` object.

A changed fact without one is a 400 naming the field, nothing written; each kind of basis
is recorded as the field's claim; a malformed basis is a 400 problem+json, never a 500.
"""

from __future__ import annotations

import pytest

from cooperation.choices import BasisKind, ClaimRank
from cooperation.models import Agreement, Challenge, Claim, Deal, Recommendation
from tests.api.conftest import client_for
from tests.factories import API_BASIS, DealFactory, ExcerptFactory

pytestmark = pytest.mark.django_db

# One fact each kind's new record sets (beyond its defaults).
NEW = {
    "agreements": (Agreement, {"title": "Accord", "kind": "mou", "status": "in_force"}, "status"),
    "deals": (Deal, {"title": "Deal", "kind": "co_production", "status": "signed"}, "status"),
    "challenges": (
        Challenge,
        {"title": "Hurdle", "category": "cost", "severity": "high"},
        "severity",
    ),
    "recommendations": (Recommendation, {"title": "Do it", "priority": "high"}, "priority"),
}


def _problem(response, status=400):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


@pytest.mark.parametrize("name", sorted(NEW))
def test_a_new_record_without_a_basis_is_refused_naming_the_fact(analyst, name):
    model, data, fact = NEW[name]
    body = _problem(client_for(analyst).post(f"/api/v1/{name}/", data, format="json"))
    assert fact in body["errors"]
    assert "Say where this value comes from" in body["errors"][fact][0]
    assert not model.all_objects.exists() and not Claim.objects.exists()


@pytest.mark.parametrize("name", sorted(NEW))
def test_a_new_records_facts_rest_on_the_basis_given(analyst, name):
    model, data, fact = NEW[name]
    response = client_for(analyst).post(f"/api/v1/{name}/", {**data, **API_BASIS}, format="json")
    assert response.status_code == 201, response.json()
    assert "basis" not in response.json()  # write-only
    record = model.objects.get()
    claim = Claim.objects.get(spine_id=record.spine_id, field=fact)
    assert (claim.basis, claim.rank, claim.reason) == (
        BasisKind.JUDGEMENT,
        ClaimRank.PREFERRED,
        "Test data",
    )
    assert claim.value == data[fact]


def test_an_edit_of_a_fact_needs_a_basis_and_one_of_a_title_does_not(analyst):
    deal = DealFactory()
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/"
    etag = client.get(path)["ETag"]
    refused = _problem(client.patch(path, {"status": "signed"}, format="json", HTTP_IF_MATCH=etag))
    assert list(refused["errors"]) == ["status"]
    deal.refresh_from_db()
    assert deal.version == 1 and deal.status != "signed"
    retitled = client.patch(path, {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert retitled.status_code == 200, retitled.json()


def test_each_kind_of_basis_is_recorded_as_the_claim(analyst):
    excerpt = ExcerptFactory()
    client = client_for(analyst)
    bases = {
        "signed": {"basis": "brief", "excerpts": [excerpt.pk]},
        "delivering": {
            "basis": "public_record",
            "citation": {
                "title": "Annual report 2024",
                "publisher": "Ministry of Defence",
                "url": "https://example.org/report",
                "accessed": "2026-11-30",
            },
        },
        "completed": {"basis": "judgement", "reason": "Deliveries ended in 2025"},
    }
    deal = DealFactory()
    path = f"/api/v1/deals/{deal.pk}/"
    for status, basis in bases.items():
        etag = client.get(path)["ETag"]
        response = client.patch(
            path, {"status": status, "basis": basis}, format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 200, response.json()
    claims = {c.value: c for c in Claim.objects.filter(spine_id=deal.spine_id, field="status")}
    assert claims["signed"].basis == BasisKind.BRIEF
    assert list(claims["signed"].excerpts.all()) == [excerpt]
    cited = claims["delivering"]
    assert (cited.basis, cited.citation_title, cited.citation_publisher) == (
        BasisKind.PUBLIC_RECORD,
        "Annual report 2024",
        "Ministry of Defence",
    )
    assert str(cited.citation_accessed) == "2026-11-30"
    judged = claims["completed"]
    assert (judged.basis, judged.reason, judged.rank) == (
        BasisKind.JUDGEMENT,
        "Deliveries ended in 2025",
        ClaimRank.PREFERRED,
    )
    assert claims["signed"].rank == ClaimRank.NORMAL


@pytest.mark.parametrize(
    "basis",
    [
        "judgement",
        ["judgement", "Test data"],
        42,
        {"basis": "gossip", "reason": "x"},
        {"basis": "judgement"},
        {"basis": "judgement", "reason": "x" * 100_000},
        {"basis": "judgement", "reason": "two\nlines"},
        {"basis": "judgement", "reason": ["a"]},
        {"basis": "judgement", "reason": "ok", "extra": 1},
        {"basis": "brief"},
        {"basis": "brief", "excerpts": "1"},
        {"basis": "brief", "excerpts": [True]},
        {"basis": "brief", "excerpts": ["1"]},
        {"basis": "brief", "excerpts": [0]},
        {"basis": "brief", "excerpts": [2**70]},
        {"basis": "brief", "excerpts": list(range(1, 10_000))},
        {"basis": "brief", "excerpts": [987654321]},
        {"basis": "public_record"},
        {"basis": "public_record", "citation": "A report"},
        {"basis": "public_record", "citation": {"title": "x" * 5000}},
        {"basis": "public_record", "citation": {"title": "T", "publisher": "p" * 5000}},
        {"basis": "public_record", "citation": {"title": "T", "url": "not a url"}},
        {"basis": "public_record", "citation": {"title": "T", "url": "https://x/" + "a" * 600}},
        {"basis": "public_record", "citation": {"title": "T", "accessed": "yesterday"}},
        {"basis": "public_record", "citation": {"title": "T", "accessed": 20261204}},
        {"basis": "public_record", "citation": {"title": "T", "isbn": "1"}},
    ],
)
def test_a_malformed_basis_is_a_400_naming_basis_and_writes_nothing(analyst, basis):
    body = _problem(
        client_for(analyst).post(
            "/api/v1/deals/",
            {"title": "Deal", "kind": "co_production", "basis": basis},
            format="json",
        )
    )
    assert "basis" in body["errors"], body
    assert not Deal.all_objects.exists()


def test_a_forged_excerpt_id_is_refused(analyst, partner):
    # An excerpt the caller can't see is no more citable than one that doesn't exist.
    excerpt = ExcerptFactory()  # of an unpublished source
    deal = DealFactory()
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/"
    missing = excerpt.pk + 1000
    response = client.patch(
        path,
        {"status": "signed", "basis": {"basis": "brief", "excerpts": [excerpt.pk, missing]}},
        format="json",
        HTTP_IF_MATCH=client.get(path)["ETag"],
    )
    body = _problem(response)
    assert body["errors"]["basis"] == ["There is no excerpt with that id."]
    deal.refresh_from_db()
    assert deal.version == 1


def test_a_basis_that_changes_nothing_is_harmless(analyst):
    deal = DealFactory()
    client = client_for(analyst)
    path = f"/api/v1/deals/{deal.pk}/"
    response = client.patch(
        path,
        {"title": "Same facts", **API_BASIS},
        format="json",
        HTTP_IF_MATCH=client.get(path)["ETag"],
    )
    assert response.status_code == 200, response.json()
