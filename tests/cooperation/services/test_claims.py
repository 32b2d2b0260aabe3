"""Claims and provenance: no factual value without a basis, disagreements kept and ranked.

cooperation/services/claims.py: the record services refuse a changed fact with no basis;
`claim_add` keeps what another source says; `claim_set_rank` resolves a disagreement;
a merge turns conflicting values into claims on the survivor.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.choices import BasisKind, ClaimRank
from cooperation.claims_read import disagreements_of, provenance_of
from cooperation.models import Agreement, Claim, Deal, RecordEvidence
from cooperation.provenance import Basis
from cooperation.services import record_create, record_merge, tracked_restore_version
from cooperation.services import tracked_update as update
from cooperation.services.claims import claim_add, claim_set_rank, unresolved
from tests.factories import ActorFactory, AgreementFactory, DealFactory, ExcerptFactory

pytestmark = pytest.mark.django_db

AGREEMENT = {
    "title": "Made here",
    "slug": "made-here",
    "summary": "",
    "visibility": "internal",
    "kind": "agreement",
    "status": "signed",
}
CITED = Basis.public_record(
    "Joint Statement on India and Japan Vision 2025",
    publisher="Ministry of External Affairs, India",
    url="https://www.mea.gov.in/bilateral-documents.htm",
    accessed=date(2026, 12, 1),
)


def claims(record, field):
    return list(Claim.objects.filter(spine_id=record.spine_id, field=field).order_by("id"))


def ranks(record, field):
    return [(c.value, c.rank) for c in claims(record, field)]


# -- a value needs a basis -------------------------------------------------------------------------


def test_a_record_whose_facts_have_no_basis_is_refused_naming_each_and_nothing_is_saved(analyst):
    india = ActorFactory()
    with pytest.raises(ValidationError) as refused:
        record_create(model=Agreement, user=analyst, data={**AGREEMENT, "parties": [india.pk]})
    assert set(refused.value.message_dict) == {"status", "parties"}
    assert not Agreement.all_objects.filter(slug="made-here").exists()
    assert not Claim.objects.exists()


def test_each_fact_given_a_basis_gets_a_preferred_claim_at_its_precision(analyst):
    record = record_create(
        model=Agreement,
        user=analyst,
        data={**AGREEMENT, "signed_on": date(2015, 1, 1), "signed_on_precision": "year"},
        basis={"status": Basis.judgement("The brief calls it concluded"), "signed_on": CITED},
    )
    assert ranks(record, "signed_on") == [("2015", ClaimRank.PREFERRED)]
    assert ranks(record, "status") == [("signed", ClaimRank.PREFERRED)]
    shown = provenance_of(record)
    assert shown["signed_on"]["basis"] == BasisKind.PUBLIC_RECORD
    assert shown["signed_on"]["citation"]["publisher"] == "Ministry of External Affairs, India"
    assert shown["status"]["reason"] == "The brief calls it concluded"
    assert shown["status"]["author"]
    # Empty facts have no claim and no provenance.
    assert "in_force_on" not in shown and not claims(record, "in_force_on")


def test_creating_a_record_asks_nothing_of_its_authors_or_of_claims_it_cannot_have(analyst):
    """A new record's write does not ask whether its author exists (the foreign keys hold
    that) and has no earlier claims to demote: neither costs a statement."""
    india = ActorFactory()
    with CaptureQueriesContext(connection) as queries:
        record = record_create(
            model=Agreement,
            user=analyst,
            data={**AGREEMENT, "parties": [india.pk], "signed_on": date(2015, 1, 1)},
            basis=CITED,
        )
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in selects if 'FROM "accounts_user"' in sql]
    # Loading claims (to demote the preferred one) is what an edit does; the uniqueness
    # check on the new preferred claim is not a load.
    assert not [sql for sql in selects if sql.startswith('SELECT "cooperation_claim".')]
    assert ranks(record, "status") == [("signed", ClaimRank.PREFERRED)]
    assert ranks(record, "signed_on") == [("2015-01-01", ClaimRank.PREFERRED)]


@pytest.mark.parametrize(
    "basis, field",
    [
        (Basis(BasisKind.BRIEF), "status"),
        (Basis(BasisKind.PUBLIC_RECORD), "status"),
        (Basis(BasisKind.JUDGEMENT), "status"),
        (Basis.judgement("two\nlines"), "status"),
        (Basis.judgement("x" * 301), "status"),
        (Basis.brief(987654), "status"),
    ],
)
def test_an_incomplete_or_forged_basis_is_refused(analyst, basis, field):
    with pytest.raises(ValidationError) as refused:
        record_create(model=Agreement, user=analyst, data=AGREEMENT, basis=basis)
    assert field in refused.value.message_dict
    assert not Agreement.all_objects.exists()


def test_a_changed_fact_needs_a_basis_and_the_old_claim_stays_beside_the_new(analyst):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    with pytest.raises(ValidationError) as refused:
        update(
            instance=record, user=analyst, data={"signed_on": "2016-01-01"}, expected_version=None
        )
    assert list(refused.value.message_dict) == ["signed_on"]
    record.refresh_from_db()
    assert record.signed_on == date(2015, 12, 12) and record.version == 1

    update(
        instance=record,
        user=analyst,
        data={"signed_on": date(2016, 1, 1)},
        expected_version=1,
        basis=CITED,
    )
    assert ranks(record, "signed_on") == [
        ("2015-12-12", ClaimRank.NORMAL),
        ("2016-01-01", ClaimRank.PREFERRED),
    ]
    # A change to what is not a fact (the title) needs no basis.
    update(instance=record, user=analyst, data={"title": "Renamed"}, expected_version=2)


def test_a_brief_basis_makes_its_excerpts_evidence_for_the_record(analyst):
    excerpt = ExcerptFactory()
    record = record_create(
        model=Agreement, user=analyst, data=AGREEMENT, basis=Basis.brief(excerpt)
    )
    assert [c.excerpts.get() for c in claims(record, "status")] == [excerpt]
    assert RecordEvidence.objects.filter(spine_id=record.spine_id, excerpt=excerpt).exists()
    assert provenance_of(record)["status"]["excerpts"] == [excerpt.pk]


def test_restoring_a_version_prefers_the_claims_its_values_had(analyst, curator):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    first = record.history.order_by("history_id").first().history_id
    update(
        instance=record,
        user=analyst,
        data={"signed_on": date(2016, 1, 1)},
        expected_version=None,
        basis=CITED,
    )
    tracked_restore_version(instance=record, history_id=first, user=curator)
    record.refresh_from_db()
    assert record.signed_on == date(2015, 12, 12)
    assert ranks(record, "signed_on") == [
        ("2015-12-12", ClaimRank.PREFERRED),
        ("2016-01-01", ClaimRank.NORMAL),
    ]


# -- claims from other sources, and their ranks -----------------------------------------------


def test_a_claim_on_an_empty_field_becomes_its_value(analyst):
    record = AgreementFactory(user=analyst)
    claim = claim_add(user=analyst, record=record, field="signed_on", value="2015-12", basis=CITED)
    record.refresh_from_db()
    assert (record.signed_on, record.signed_on_precision) == (date(2015, 12, 1), "month")
    assert claim.rank == ClaimRank.PREFERRED and claim.value == "2015-12"


def test_an_agreeing_claim_stands_beside_the_preferred_one(analyst):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    claim_add(user=analyst, record=record, field="signed_on", value="2015-12-12", basis=CITED)
    assert ranks(record, "signed_on") == [
        ("2015-12-12", ClaimRank.PREFERRED),
        ("2015-12-12", ClaimRank.NORMAL),
    ]
    assert not disagreements_of(record) and not unresolved().exists()


def test_a_disagreement_is_kept_unresolved_until_ranked_then_the_record_shows_the_preferred(
    analyst, curator
):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    other = claim_add(user=analyst, record=record, field="signed_on", value="2016", basis=CITED)
    assert ranks(record, "signed_on") == [
        ("2015-12-12", ClaimRank.NORMAL),
        ("2016", ClaimRank.NORMAL),
    ]
    assert list(unresolved().values_list("spine_id", "field")) == [(record.spine_id, "signed_on")]
    assert provenance_of(record)["signed_on"]["disputed"] is True
    record.refresh_from_db()
    assert record.signed_on == date(2015, 12, 12)  # nothing moves until someone ranks

    claim_set_rank(user=curator, claim=other, rank=ClaimRank.PREFERRED)
    record.refresh_from_db()
    assert (record.signed_on, record.signed_on_precision) == (date(2016, 1, 1), "year")
    assert not unresolved().exists()
    assert set(disagreements_of(record)) == {"signed_on"}  # still shown, but resolved

    shown = claims(record, "signed_on")[0]
    claim_set_rank(user=curator, claim=shown, rank=ClaimRank.DEPRECATED)
    assert ranks(record, "signed_on")[0] == ("2015-12-12", ClaimRank.DEPRECATED)
    assert not disagreements_of(record)


def test_the_claim_the_record_shows_cannot_be_deprecated_alone(analyst):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    (shown,) = claims(record, "signed_on")
    with pytest.raises(ValidationError) as refused:
        claim_set_rank(user=analyst, claim=shown, rank=ClaimRank.DEPRECATED)
    assert "prefer another claim first" in str(refused.value)
    assert ranks(record, "signed_on") == [("2015-12-12", ClaimRank.PREFERRED)]


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Not a fact"),
        ("signed_on", "2015-13"),
        ("signed_on", "next year"),
        ("status", "invented"),
        ("parties", [10**9]),
        ("parties", "india"),
        ("signed_on", None),
    ],
)
def test_a_claim_on_no_fact_or_with_a_bad_value_is_refused(analyst, field, value):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    with pytest.raises(ValidationError):
        claim_add(user=analyst, record=record, field=field, value=value, basis=CITED)
    assert Claim.objects.filter(spine_id=record.spine_id).count() == 2  # status, signed_on


def test_only_who_may_edit_the_record_may_claim_or_rank(analyst, partner):
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    with pytest.raises(PermissionDenied):
        claim_add(user=partner, record=record, field="signed_on", value="2016", basis=CITED)
    with pytest.raises(PermissionDenied):
        claim_set_rank(user=partner, claim=claims(record, "signed_on")[0], rank="normal")


# -- merging -------------------------------------------------------------------------------------


def test_a_merge_turns_conflicting_values_into_claims_on_the_survivor(curator):
    india, japan, france = ActorFactory(), ActorFactory(), ActorFactory()
    keep = AgreementFactory(user=curator, signed_on=date(2015, 12, 12), parties=[india, japan])
    duplicate = AgreementFactory(
        user=curator,
        signed_on=date(2016, 1, 1),
        signed_on_precision="year",
        in_force_on=date(2017, 5, 1),
        parties=[france],
    )
    record_merge(keep=keep, duplicate=duplicate, user=curator)
    keep.refresh_from_db()
    # Disagreeing: both kept, none preferred, the value unchanged until ranked.
    assert keep.signed_on == date(2015, 12, 12)
    assert sorted(ranks(keep, "signed_on")) == [
        ("2015-12-12", ClaimRank.NORMAL),
        ("2016", ClaimRank.NORMAL),
    ]
    assert (keep.spine_id, "signed_on") in set(unresolved().values_list("spine_id", "field"))
    # Only the duplicate knew it: the survivor takes it, with the duplicate's basis.
    assert keep.in_force_on == date(2017, 5, 1)
    assert ranks(keep, "in_force_on") == [("2017-05-01", ClaimRank.PREFERRED)]
    # Links united: both records' parties, claimed as the merge's judgement.
    preferred = Claim.objects.get(spine_id=keep.spine_id, field="parties", rank="preferred")
    assert preferred.value == sorted([india.pk, japan.pk, france.pk])
    assert preferred.basis == BasisKind.JUDGEMENT and f"#{duplicate.pk}" in preferred.reason
    # The duplicate's own claims stay with it, in the trash.
    assert Claim.objects.filter(spine_id=duplicate.spine_id).count() == 4


def test_deal_links_and_numbers_are_claimed_as_written(analyst):
    india, japan = ActorFactory(), ActorFactory()
    deal = DealFactory(
        user=analyst, supplier=japan, recipient=india, number_ordered=12, system="US-2"
    )
    assert ranks(deal, "supplier") == [(japan.pk, ClaimRank.PREFERRED)]
    assert ranks(deal, "number_ordered") == [(12, ClaimRank.PREFERRED)]
    claim_add(user=analyst, record=deal, field="number_ordered", value=15, basis=CITED)
    assert Deal.objects.get(pk=deal.pk).number_ordered == 12
    assert provenance_of(deal)["number_ordered"]["disputed"] is True


def test_a_claim_holds_its_value_as_the_record_would_hold_it(analyst):
    """The value the field would keep, not the JSON as sent: "12" and 12.0 for a number
    agree with 12 (they are no disagreement), a number for a text is that text."""
    deal = DealFactory(user=analyst, number_ordered=12, system="US-2")
    for sent in ("12", 12.0):
        claim = claim_add(
            user=analyst, record=deal, field="number_ordered", value=sent, basis=CITED
        )
        assert claim.value == 12 and type(claim.value) is int, sent
    assert provenance_of(deal)["number_ordered"]["disputed"] is False
    assert ranks(deal, "number_ordered")[0] == (12, ClaimRank.PREFERRED)
    claim = claim_add(user=analyst, record=deal, field="system", value=5, basis=CITED)
    assert claim.value == "5"
    claim.refresh_from_db()
    assert claim.value == "5"


@pytest.mark.parametrize("sent", [1e-05, 12.5, True, False])
def test_a_number_the_field_would_change_is_refused_and_nothing_is_claimed(analyst, sent):
    """A whole-number field given a fraction (or true/false) would keep another number
    than the one sent: refused, never rounded."""
    deal = DealFactory(user=analyst, number_ordered=12)
    before = ranks(deal, "number_ordered")
    with pytest.raises(ValidationError) as refused:
        claim_add(user=analyst, record=deal, field="number_ordered", value=sent, basis=CITED)
    assert "value" in refused.value.message_dict
    assert ranks(deal, "number_ordered") == before
    assert Deal.objects.get(pk=deal.pk).number_ordered == 12


def test_a_link_claimed_as_text_or_as_a_whole_float_holds_the_id(analyst):
    """An id sent as "5" or 5.0 is the record's 5: an agreeing claim, not a dispute."""
    japan = ActorFactory()
    deal = DealFactory(user=analyst, supplier=japan)
    for sent in (str(japan.pk), float(japan.pk), f" {japan.pk} "):
        claim = claim_add(user=analyst, record=deal, field="supplier", value=sent, basis=CITED)
        assert claim.value == japan.pk and type(claim.value) is int, sent
        claim.refresh_from_db()
        assert claim.value == japan.pk and type(claim.value) is int, sent
    assert provenance_of(deal)["supplier"]["disputed"] is False


@pytest.mark.parametrize(
    "sent", [True, 1.5, "japan", "", -1, 0, 2**70, "9" * 5000, "+1", [1], {"id": 1}]
)
def test_a_link_to_no_id_is_refused_and_nothing_is_claimed(analyst, sent):
    """true is not actor 1, 1.5 not actor 1; text, lists and ids out of range are no id."""
    japan = ActorFactory()
    deal = DealFactory(user=analyst, supplier=japan)
    before = ranks(deal, "supplier")
    with pytest.raises(ValidationError) as refused:
        claim_add(user=analyst, record=deal, field="supplier", value=sent, basis=CITED)
    assert "value" in refused.value.message_dict
    assert ranks(deal, "supplier") == before


def test_party_dates_are_claimed_in_the_form_the_agreement_keeps_them(analyst):
    """Written as Agreement.clean writes them (each entry's keys, dates at their precision):
    the same dates sent without a key agree with the record instead of disputing it."""
    india = ActorFactory()
    kept = [{"party": india.pk, "signed_on": "2015-12-12", "ratified_on": None}]
    agreement = AgreementFactory(user=analyst, parties=[india], party_dates=kept)
    assert ranks(agreement, "party_dates") == [(kept, ClaimRank.PREFERRED)]
    sent = [{"party": india.pk, "signed_on": "2015-12-12"}]
    claim = claim_add(user=analyst, record=agreement, field="party_dates", value=sent, basis=CITED)
    assert claim.value == kept
    assert provenance_of(agreement)["party_dates"]["disputed"] is False
    for bad in ([{"party": "x", "signed_on": "2015"}], [{"party": india.pk, "signed_on": 2015}]):
        with pytest.raises(ValidationError) as refused:
            claim_add(user=analyst, record=agreement, field="party_dates", value=bad, basis=CITED)
        assert "value" in refused.value.message_dict


def test_a_currency_is_claimed_in_capitals_as_the_record_keeps_it(analyst):
    """The record keeps "usd" as "USD": so does a claim, or it would dispute its own value."""
    deal = DealFactory(
        user=analyst, estimated_value="1500000", value_currency="usd", value_year=2016
    )
    assert Deal.objects.get(pk=deal.pk).value_currency == "USD"
    assert ranks(deal, "value_currency") == [("USD", ClaimRank.PREFERRED)]
    claim = claim_add(user=analyst, record=deal, field="value_currency", value=" usd ", basis=CITED)
    assert claim.value == "USD"
    assert provenance_of(deal)["value_currency"]["disputed"] is False
    with pytest.raises(ValidationError) as refused:
        claim_add(user=analyst, record=deal, field="value_currency", value="US$", basis=CITED)
    assert "value" in refused.value.message_dict


# -- the basis object the API and the import read --------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"basis": "rumour"},
        {"basis": "brief", "excerpts": "12"},
        {"basis": "brief", "excerpts": [True]},
        {"basis": "public_record", "citation": ["t"]},
        {"basis": "public_record", "citation": {"title": "t", "accessed": "yesterday"}},
        {"basis": "public_record", "citation": {"title": 5}},
        {"basis": "judgement", "reason": ["r"]},
        {"basis": "judgement", "reason": "r", "extra": 1},
    ],
)
def test_a_malformed_basis_object_is_a_clear_error(data):
    with pytest.raises(ValidationError) as refused:
        Basis.parse(data)
    assert refused.value.message_dict["basis"]


def test_a_basis_object_reads_each_kind():
    assert Basis.parse({"basis": "brief", "excerpts": [3, 4]}).excerpt_ids == (3, 4)
    cited = Basis.parse(
        {"basis": "public_record", "citation": {"title": " T ", "accessed": "2026-12-01"}}
    )
    assert (cited.citation_title, cited.citation_accessed) == ("T", date(2026, 12, 1))
    assert Basis.parse({"basis": "judgement", "reason": " Why "}).reason == "Why"


def test_restoring_a_value_no_claim_holds_rests_on_the_restorers_judgement(analyst, curator):
    """History older than claims (migration 0020 claimed only the values then current)."""
    record = AgreementFactory(user=analyst, signed_on=date(2015, 12, 12))
    first = record.history.order_by("history_id").first().history_id
    update(
        instance=record,
        user=analyst,
        data={"signed_on": date(2016, 1, 1)},
        expected_version=None,
        basis=CITED,
    )
    Claim.objects.filter(spine_id=record.spine_id, value="2015-12-12").delete()
    tracked_restore_version(instance=record, history_id=first, user=curator)
    restored = Claim.objects.get(spine_id=record.spine_id, field="signed_on", rank="preferred")
    assert restored.value == "2015-12-12" and restored.basis == BasisKind.JUDGEMENT
    assert restored.reason.startswith("Restored from the version of ")
    assert restored.created_by == curator
