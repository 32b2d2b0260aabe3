"""The record page's claims panel (views/claims.py, forms/claims.py) and /disagreements/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.choices import BasisKind, ClaimRank
from cooperation.models import Claim, Deal
from cooperation.provenance import Basis
from cooperation.services.claims import claim_add
from tests.factories import FORM_BASIS, ActorFactory, AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db


def _add_url(record) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_claim_add", kwargs={"slug": record.slug})


def _rank_url(record, claim) -> str:
    return reverse(
        f"cooperation:{record._meta.model_name}_claim_rank",
        kwargs={"slug": record.slug, "claim_id": claim.pk},
    )


def _disagreeing_deal(user):
    deal = DealFactory(title="Radar", system="Radar X")
    claim_add(
        user=user,
        record=deal,
        field="system",
        value="Radar Y",
        basis=Basis.public_record("Ministry notice", url="https://example.org/n"),
    )
    return deal


def test_the_panel_lists_every_claim_with_rank_and_basis_and_the_disagreement(client, analyst):
    deal = _disagreeing_deal(analyst)
    client.force_login(analyst)

    page = client.get(deal.get_absolute_url()).content.decode()

    assert 'id="claims-heading"' in page
    assert (
        "Sources disagree on <strong>system or programme</strong>"
        in page.replace("System or programme", "system or programme")
        or "Sources disagree on" in page
    )
    assert "Radar X" in page and "Radar Y" in page
    assert 'href="https://example.org/n"' in page
    assert "Add the claim" in page


def test_an_analyst_adds_a_claim_with_a_public_record(client, analyst):
    deal = DealFactory(system="Radar X")
    client.force_login(analyst)

    response = client.post(
        _add_url(deal),
        {
            "field": "number_ordered",
            "value": "12",
            "basis_kind": "public_record",
            "basis_citation_title": "Annual report",
            "basis_citation_url": "https://example.org/report",
        },
    )

    assert response.status_code == 302
    claim = Claim.objects.get(spine_id=deal.spine_id, field="number_ordered")
    assert (claim.value, claim.basis, claim.citation_title) == (
        12,
        BasisKind.PUBLIC_RECORD,
        "Annual report",
    )
    assert Deal.objects.get(pk=deal.pk).number_ordered == 12  # an empty field takes it


def test_an_actor_is_claimed_by_name(client, analyst):
    ActorFactory(name="France")
    agreement = AgreementFactory()
    client.force_login(analyst)

    response = client.post(
        _add_url(agreement), {"field": "parties", "value": "France", **FORM_BASIS}
    )

    assert response.status_code == 302
    assert Claim.objects.filter(spine_id=agreement.spine_id, field="parties").exists()


@pytest.mark.parametrize("value", ["²", "٣", "１２", "12²"])
def test_an_actor_named_by_digits_int_refuses_or_not_ascii_is_a_form_error(client, analyst, value):
    """str.isdigit says yes to "²" (int() then refuses it: a 500) and to other scripts'
    digits: an id is ASCII digits, anything else is looked up as a name."""
    agreement = AgreementFactory()
    client.force_login(analyst)

    response = client.post(_add_url(agreement), {"field": "parties", "value": value, **FORM_BASIS})

    assert response.status_code == 400
    assert "is named" in " ".join(response.context["claim_form"].errors["value"])
    assert not Claim.objects.filter(spine_id=agreement.spine_id, field="parties").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"field": "number_ordered", "value": "many", **FORM_BASIS}, "value"),
        ({"field": "title", "value": "x", **FORM_BASIS}, "field"),
        ({"field": "system", "value": "Radar Z"}, "basis_kind"),
        ({"field": "system", "value": "Radar Z", "basis_kind": "judgement"}, "basis_reason"),
        ({"field": "status", "value": "no such status", **FORM_BASIS}, "value"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500_and_saves_nothing(client, analyst, data, field):
    deal = DealFactory(system="Radar X")
    before = Claim.objects.count()
    client.force_login(analyst)

    response = client.post(_add_url(deal), data)

    assert response.status_code == 400
    assert response.context["claim_form"].errors[field]
    assert Claim.objects.count() == before


def test_preferring_a_claim_writes_its_value_and_resolves_the_disagreement(client, analyst):
    deal = _disagreeing_deal(analyst)
    other = Claim.objects.get(spine_id=deal.spine_id, field="system", value="Radar Y")
    client.force_login(analyst)
    assert "Sources disagree on" in client.get(deal.get_absolute_url()).content.decode()

    response = client.post(_rank_url(deal, other), {"rank": "preferred"})

    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).system == "Radar Y"
    other.refresh_from_db()
    assert other.rank == ClaimRank.PREFERRED
    # Both values stay claimed (the notice says so), but the field is no longer unresolved.
    assert client.get(reverse("cooperation:disagreements")).context["rows"] == []


def test_deprecating_the_shown_value_alone_is_refused_with_a_message(client, analyst):
    deal = DealFactory(system="Radar X")
    shown = Claim.objects.get(spine_id=deal.spine_id, field="system")
    client.force_login(analyst)

    response = client.post(_rank_url(deal, shown), {"rank": "deprecated"}, follow=True)

    assert response.status_code == 200
    assert "prefer another claim first" in response.content.decode()
    shown.refresh_from_db()
    assert shown.rank == ClaimRank.PREFERRED


def test_a_bad_rank_is_refused_without_a_500(client, analyst):
    deal = DealFactory(system="Radar X")
    shown = Claim.objects.get(spine_id=deal.spine_id, field="system")
    client.force_login(analyst)

    response = client.post(_rank_url(deal, shown), {"rank": "best"})

    assert response.status_code == 302
    shown.refresh_from_db()
    assert shown.rank == ClaimRank.PREFERRED


def test_another_records_claim_is_not_found(client, analyst):
    deal = DealFactory(system="Radar X")
    other = DealFactory(system="Other")
    foreign = Claim.objects.get(spine_id=other.spine_id, field="system")
    client.force_login(analyst)

    response = client.post(_rank_url(deal, foreign), {"rank": "deprecated"})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.rank == ClaimRank.PREFERRED


def test_a_partner_may_not_add_or_rank(client, partner, analyst):
    deal = _disagreeing_deal(analyst)
    claim = Claim.objects.get(spine_id=deal.spine_id, field="system", value="Radar Y")
    before = Claim.objects.count()
    client.force_login(partner)

    added = client.post(_add_url(deal), {"field": "system", "value": "Z", **FORM_BASIS})
    ranked = client.post(_rank_url(deal, claim), {"rank": "preferred"})

    assert added.status_code in (403, 404)
    assert ranked.status_code in (403, 404)
    assert Claim.objects.count() == before
    claim.refresh_from_db()
    assert claim.rank == ClaimRank.NORMAL


def test_the_posts_need_csrf(analyst):
    from django.test import Client

    deal = DealFactory(system="Radar X")
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(_add_url(deal), {"field": "system", "value": "Z", **FORM_BASIS})

    assert response.status_code == 403


def test_get_is_not_allowed(client, analyst):
    deal = DealFactory(system="Radar X")
    client.force_login(analyst)
    assert client.get(_add_url(deal)).status_code == 405


def test_dashboard_counts_and_the_page_lists_disagreements(client, analyst):
    deal = _disagreeing_deal(analyst)
    client.force_login(analyst)

    dashboard = client.get(reverse("home"))
    assert dashboard.context["disagreements_count"] == 1
    assert reverse("cooperation:disagreements") in dashboard.content.decode()

    page = client.get(reverse("cooperation:disagreements"))
    assert page.status_code == 200
    assert [row["spine"].pk for row in page.context["rows"]] == [deal.spine_id]
    assert deal.get_absolute_url() in page.content.decode()


def test_the_disagreements_page_is_not_for_partners(client, partner, analyst):
    _disagreeing_deal(analyst)
    client.force_login(partner)
    assert client.get(reverse("cooperation:disagreements")).status_code in (302, 403)


def test_a_trashed_records_disagreement_is_not_listed(client, analyst, curator):
    from cooperation.services import tracked_delete

    deal = _disagreeing_deal(analyst)
    tracked_delete(instance=Deal.objects.get(pk=deal.pk), user=curator)
    client.force_login(analyst)
    assert client.get(reverse("cooperation:disagreements")).context["rows"] == []
