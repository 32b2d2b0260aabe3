"""A record's claims in the JSON export and back through `records_import`: ranks, bases,
actor links by slug; a basis the file can't support becomes the importer's judgement."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cooperation.choices import BasisKind, ClaimRank
from cooperation.exchange import KINDS
from cooperation.exchange.export import stream
from cooperation.models import Claim, Deal
from cooperation.provenance import Basis
from cooperation.services.claims import claim_add, claim_set_rank
from cooperation.services.exchange import records_import
from tests.factories import ActorFactory, DealFactory, ExcerptFactory
from tests.utils import rolled_back

pytestmark = pytest.mark.django_db


def _export() -> dict:
    querysets = [model.objects.order_by("pk") for model in KINDS.values()]
    return json.loads("".join(stream(None, querysets, internal=True)))


def _claims(record) -> list[tuple]:
    return sorted(
        (c.field, json.dumps(c.value), c.rank, c.basis, c.citation_title, c.reason)
        for c in Claim.objects.filter(spine_id=record.spine_id)
        if c.field != "supplier"  # an id: another one in the importing portal
    )


def test_claims_travel_with_their_ranks_and_bases(curator):
    with rolled_back():
        japan = ActorFactory(slug="japan", name="Japan")
        excerpt = ExcerptFactory()
        deal = DealFactory(
            slug="us-2",
            supplier=japan,
            number_ordered=12,
            user=curator,
            basis=Basis.public_record("SIPRI register", accessed=date(2026, 12, 1)),
        )
        claim_add(
            user=curator,
            record=deal,
            field="number_ordered",
            value=15,
            basis=Basis.brief(excerpt),
        )
        wrong = claim_add(
            user=curator,
            record=deal,
            field="number_ordered",
            value=10,
            basis=Basis.judgement("A misreading"),
        )
        claim_set_rank(user=curator, claim=wrong, rank=ClaimRank.DEPRECATED)
        before = _claims(Deal.objects.get())
        document = _export()
    (item,) = document["records"]
    supplier = next(c for c in item["claims"] if c["field"] == "supplier")
    assert supplier["value"] == "japan"
    by_value = {c["value"]: c for c in item["claims"] if c["field"] == "number_ordered"}
    assert by_value[15]["excerpts"] == [excerpt.pk] and by_value[10]["rank"] == "deprecated"

    report = records_import(document=document, user=curator, source_name="deals.json")

    imported = Deal.objects.get()
    assert _claims(imported) == before
    assert report.counts["claims"] == 2
    shown = Claim.objects.get(spine_id=imported.spine_id, field="supplier", rank="preferred")
    assert shown.value == imported.supplier_id


def test_a_claim_without_a_usable_basis_becomes_the_importers_judgement(curator):
    with rolled_back():
        DealFactory(slug="us-2", number_ordered=12, user=curator)
        document = _export()
    (item,) = document["records"]
    # A file from another tool: one claim citing an excerpt it lacks, another with no basis.
    item["claims"] = [
        {"field": "number_ordered", "value": 12, "rank": "preferred", "basis": "brief",
         "excerpts": [999]},
        {"field": "status", "value": item["status"], "rank": "preferred", "basis": "rumour"},
    ]  # fmt: skip
    records_import(document=document, user=curator, source_name="other-tool.json")
    deal = Deal.objects.get()
    claims = Claim.objects.filter(spine_id=deal.spine_id)
    assert {c.basis for c in claims} == {BasisKind.JUDGEMENT}
    assert {c.reason for c in claims} == {"Imported from other-tool.json without a stated basis"}
    assert {"number_ordered", "status"} <= {c.field for c in claims}


def test_an_imported_claim_is_kept_as_the_field_keeps_it_or_left_out_with_a_warning(curator):
    """As claim_add: "12" for a number is 12, agreeing with the record; a fraction for a
    whole number, or a value the field keeps as empty, is left out (a warning)."""
    with rolled_back():
        DealFactory(
            slug="us-2", number_ordered=12, system="US-2", licensed_production=True, user=curator
        )
        document = _export()
    (item,) = document["records"]
    item["claims"] += [
        {"field": "number_ordered", "value": "12", "rank": "normal", "basis": "judgement",
         "reason": "Counted again"},
        {"field": "number_ordered", "value": 12.5, "rank": "normal", "basis": "judgement",
         "reason": "Half a flying boat"},
        {"field": "system", "value": 2, "rank": "normal", "basis": "judgement",
         "reason": "A number for a name"},
        {"field": "licensed_production", "value": 0, "rank": "normal", "basis": "judgement",
         "reason": "A no that is only the default"},
    ]  # fmt: skip
    report = records_import(document=document, user=curator, source_name="other-tool.json")
    deal = Deal.objects.get()
    values = {
        (c.field, json.dumps(c.value), c.rank)
        for c in Claim.objects.filter(
            spine_id=deal.spine_id, field__in=["number_ordered", "system"]
        )
    }
    assert ("number_ordered", "12", ClaimRank.NORMAL) in values
    assert ("system", '"2"', ClaimRank.NORMAL) in values
    assert not any(value == "12.5" for _, value, _ in values)
    assert any("number_ordered" in w and "left out" in w for w in report.warnings)
    # 0 is False for a yes/no: no value to claim, as claim_add would say.
    assert [
        c.value for c in Claim.objects.filter(spine_id=deal.spine_id, field="licensed_production")
    ] == [True]
    assert any("licensed_production" in w and "left out" in w for w in report.warnings)
    assert report.counts["claims"] == 2


# Link claims a file can hold that name no actor of its own, or are not links at all: each
# is left out with a warning saying which, and the record itself is imported.
_NOT_HELD = "names an actor the file does not hold"
_NOT_A_SLUG = "names an actor by something other than its slug"
_NOT_A_LIST = "is not a list of actors' slugs"
_NOT_DATES = "is not a list of {party, signed_on, ratified_on} entries"
_NOT_KEPT = "holds a value the field cannot keep"
_BAD_LINK_CLAIMS = [
    ("deal", "supplier", "nowhere", _NOT_HELD + " (“nowhere”)"),
    ("deal", "supplier", "x" * 500, _NOT_HELD + f" (“{'x' * 60}…”)"),
    ("deal", "supplier", "no\nwhere\x1b[31m", _NOT_HELD + " (“no\ufffdwhere\ufffd[31m”)"),
    ("deal", "supplier", 5, _NOT_A_SLUG),  # an id from the exporting portal
    ("deal", "supplier", True, _NOT_A_SLUG),
    ("deal", "supplier", {"slug": "japan"}, _NOT_A_SLUG),
    ("deal", "supplier", ["japan"], _NOT_A_SLUG),  # a list for one link
    ("deal", "recipient", ["japan", "japan"], _NOT_A_SLUG),
    ("agreement", "parties", ["japan", "nowhere"], _NOT_HELD),
    ("agreement", "parties", "japan", _NOT_A_LIST),  # one slug for a list of links
    ("agreement", "parties", 7, _NOT_A_LIST),
    ("agreement", "parties", [["japan"]], _NOT_A_SLUG),
    ("agreement", "parties", [{"slug": "japan"}], _NOT_A_SLUG),
    ("agreement", "party_dates", "japan", _NOT_DATES),
    ("agreement", "party_dates", [5], _NOT_DATES),
    ("agreement", "party_dates", [{"signed_on": "2015"}], _NOT_DATES),
    ("agreement", "party_dates", [{"party": "nowhere", "signed_on": "2015"}], _NOT_HELD),
    ("agreement", "party_dates", [{"party": ["japan"], "signed_on": "2015"}], _NOT_A_SLUG),
    # Links the file backs, in values the field refuses (party_dates.normalise).
    ("agreement", "party_dates", [{"party": "japan", "signed_on": "not a date"}], _NOT_KEPT),
    ("agreement", "party_dates", [{"party": "japan", "signed_on": 2015}], _NOT_KEPT),
    ("agreement", "party_dates", [{"party": "japan", "hour": "noon"}], _NOT_KEPT),
    ("recommendation", "addressed_to", ["nowhere"], _NOT_HELD),
    ("recommendation", "addressed_to", {"japan": True}, _NOT_A_LIST),
]


@pytest.mark.parametrize(("kind", "field", "value", "reason"), _BAD_LINK_CLAIMS)
def test_a_link_claim_the_file_cannot_back_is_left_out_saying_why(
    curator, kind, field, value, reason
):
    from tests.factories import AgreementFactory, RecommendationFactory

    with rolled_back():
        japan = ActorFactory(slug="japan", name="Japan")
        if kind == "deal":
            DealFactory(slug="us-2", supplier=japan, user=curator)
        elif kind == "agreement":
            AgreementFactory(slug="acsa", parties=[japan], user=curator)
        else:
            RecommendationFactory(slug="talk", addressed_to=[japan], user=curator)
        document = _export()
    (item,) = document["records"]
    item["claims"] += [
        {"field": field, "value": value, "rank": "normal", "basis": "judgement",
         "reason": "From another tool"},
    ]  # fmt: skip

    report = records_import(document=document, user=curator, source_name="other-tool.json")

    (record,) = KINDS[kind].objects.all()
    assert not Claim.objects.filter(
        spine_id=record.spine_id, field=field, reason__contains="From another tool"
    ).exists()
    (warning,) = report.warnings
    assert f"a claim on {field} {reason}" in warning and warning.endswith("left out.")


@pytest.mark.parametrize("rank", ["preferred", "deprecated"])
def test_an_unbacked_link_claim_of_any_rank_is_left_out(curator, rank):
    """Preferred: the record's value then rests on the importer's judgement, as a value no
    claim backs; deprecated: left out as a normal one is."""
    with rolled_back():
        DealFactory(slug="us-2", supplier=ActorFactory(slug="japan"), user=curator)
        document = _export()
    (item,) = document["records"]
    item["claims"] = [c for c in item["claims"] if c["field"] != "supplier"] + [
        {"field": "supplier", "value": "nowhere", "rank": rank, "basis": "judgement",
         "reason": "From another tool"},
    ]  # fmt: skip

    report = records_import(document=document, user=curator, source_name="other-tool.json")

    deal = Deal.objects.get()
    assert deal.supplier.slug == "japan"
    (claim,) = Claim.objects.filter(spine_id=deal.spine_id, field="supplier")
    assert claim.value == deal.supplier_id and claim.rank == ClaimRank.PREFERRED
    assert claim.reason == "Imported from other-tool.json without a stated basis"
    (warning,) = report.warnings
    assert f"a claim on supplier {_NOT_HELD} (“nowhere”); left out." in warning


def test_a_claim_of_no_party_dates_is_no_claim_and_no_warning(curator):
    from tests.factories import AgreementFactory

    with rolled_back():
        AgreementFactory(slug="acsa", parties=[ActorFactory(slug="japan")], user=curator)
        document = _export()
    (item,) = document["records"]
    item["claims"] += [
        {"field": "party_dates", "value": empty, "rank": "normal", "basis": "judgement",
         "reason": "From another tool"}
        for empty in (None, "", [])
    ]  # fmt: skip

    report = records_import(document=document, user=curator, source_name="other-tool.json")

    assert report.warnings == []
    (record,) = KINDS["agreement"].objects.all()
    assert not Claim.objects.filter(spine_id=record.spine_id, reason__contains="another tool")


def test_a_link_claim_the_file_backs_is_kept_as_ids(curator):
    """The control for the cases above: slugs the file holds become this portal's ids."""
    from tests.factories import AgreementFactory

    with rolled_back():
        japan = ActorFactory(slug="japan", name="Japan")
        india = ActorFactory(slug="india", name="India")
        # India is among the actors it concerns, so the file holds it.
        AgreementFactory(slug="acsa", parties=[japan], actors=[india], user=curator)
        document = _export()
    (item,) = document["records"]
    item["claims"] += [
        {"field": "parties", "value": ["india", "japan"], "rank": "normal",
         "basis": "judgement", "reason": "From another tool"},
        {"field": "party_dates", "value": [{"party": "japan", "signed_on": "2015-12"}],
         "rank": "normal", "basis": "judgement", "reason": "From another tool"},
    ]  # fmt: skip

    report = records_import(document=document, user=curator, source_name="other-tool.json")

    assert report.warnings == []
    (record,) = KINDS["agreement"].objects.all()
    ids = {actor.slug: actor.pk for actor in record.parties.model.objects.all()}
    claimed = {
        c.field: c.value
        for c in Claim.objects.filter(spine_id=record.spine_id, reason__contains="another tool")
    }
    assert claimed == {
        "parties": sorted([ids["india"], ids["japan"]]),
        "party_dates": [{"party": ids["japan"], "signed_on": "2015-12", "ratified_on": None}],
    }


def test_a_party_dates_claim_comes_back_though_its_party_is_linked_nowhere_else(curator):
    """The export lists every actor a claim names, party dates' parties too: Korea, a
    party no longer, is named only by the claim on its dates."""
    from tests.factories import AgreementFactory, update_with_basis

    with rolled_back():
        japan = ActorFactory(slug="japan", name="Japan")
        korea = ActorFactory(slug="korea", name="Korea")
        agreement = AgreementFactory(slug="acsa", parties=[japan, korea], user=curator)
        claim_add(
            user=curator,
            record=agreement,
            field="party_dates",
            value=[{"party": korea.pk, "signed_on": "2015-12"}],
            basis=Basis.judgement("Korea signed a parallel text"),
        )
        update_with_basis(
            instance=agreement,
            user=curator,
            data={"parties": [japan], "party_dates": []},
            expected_version=None,
        )
        # As for a record whose links predate its claims: no claim on the parties names
        # Korea (the services always leave one, so the file held it that way).
        Claim.objects.filter(spine_id=agreement.spine_id, field="parties").exclude(
            value=[japan.pk]
        ).delete()
        document = _export()
    assert "korea" in {actor["slug"] for actor in document["actors"]}

    report = records_import(document=document, user=curator, source_name="acsa.json")

    assert report.warnings == []
    (record,) = KINDS["agreement"].objects.all()
    korea_here = record.parties.model.objects.get(slug="korea")
    (claim,) = Claim.objects.filter(spine_id=record.spine_id, field="party_dates")
    assert claim.value == [{"party": korea_here.pk, "signed_on": "2015-12", "ratified_on": None}]
