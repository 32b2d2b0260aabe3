"""The workspace's record forms and the basis of the facts they set (forms/basis.py in
forms/records.py): a changed fact without one is refused beside its field, nothing saved;
a record made from a passage rests on it; a title or summary needs none. The record page
shows each fact's basis (claims_page.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.choices import BasisKind, ClaimRank
from cooperation.models import Challenge, Claim, Deal
from cooperation.provenance import Basis
from cooperation.services.claim_rows import NEEDS_BASIS
from cooperation.services.claims import claim_add
from tests.cooperation.views.test_record_forms import form_data
from tests.factories import DealFactory, ExcerptFactory

pytestmark = pytest.mark.django_db


def _edit_url(record) -> str:
    return reverse(f"cooperation:{record._meta.model_name}_edit", kwargs={"slug": record.slug})


def test_a_changed_fact_without_a_basis_is_refused_beside_its_field(client, analyst):
    deal = DealFactory(title="Radar", system="Old radar")
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(deal)).context["form"])

    response = client.post(_edit_url(deal), {**data, "system": "New radar", "summary": "Typed"})

    assert response.status_code == 200
    form = response.context["form"]
    assert NEEDS_BASIS in form.errors["system"]
    assert "system" in " ".join(form.errors["basis_kind"]).lower()
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert 'value="New radar"' in page and "Typed" in page  # what was typed is kept
    saved = Deal.objects.get(pk=deal.pk)
    assert (saved.system, saved.version) == ("Old radar", deal.version)
    assert not Claim.objects.filter(spine_id=deal.spine_id, value="New radar").exists()


def test_a_new_record_with_a_fact_and_no_basis_is_refused_and_not_made(client, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("cooperation:challenge_create"),
        {"title": "Unfounded", "category": "cost", "severity": "high", "visibility": "internal"},
    )

    assert response.status_code == 200
    assert NEEDS_BASIS in response.context["form"].errors["severity"]
    assert not Challenge.all_objects.filter(title="Unfounded").exists()


def test_a_basis_kind_without_its_details_is_a_form_error(client, analyst):
    deal = DealFactory(system="Old radar")
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(deal)).context["form"])

    response = client.post(
        _edit_url(deal), {**data, "system": "New radar", "basis_kind": "public_record"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["basis_citation_title"]
    assert Deal.objects.get(pk=deal.pk).system == "Old radar"


def test_a_change_with_a_judgement_saves_a_preferred_judgement_claim(client, analyst):
    deal = DealFactory(system="Old radar")
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(deal)).context["form"])

    response = client.post(
        _edit_url(deal),
        {**data, "system": "New radar", "basis_kind": "judgement", "basis_reason": "Trade press"},
    )

    assert response.status_code == 302
    claim = Claim.objects.get(spine_id=deal.spine_id, field="system", value="New radar")
    assert (claim.basis, claim.rank, claim.reason) == (
        BasisKind.JUDGEMENT,
        ClaimRank.PREFERRED,
        "Trade press",
    )


def test_only_a_title_and_summary_changed_needs_no_basis(client, analyst):
    deal = DealFactory(title="Radar", system="Radar X")
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(deal)).context["form"])

    response = client.post(_edit_url(deal), {**data, "title": "Radar deal", "summary": "New"})

    assert response.status_code == 302
    saved = Deal.objects.get(pk=deal.pk)
    assert (saved.title, saved.summary) == ("Radar deal", "New")


def test_a_record_from_a_passage_rests_on_it(client, analyst):
    excerpt = ExcerptFactory()
    client.force_login(analyst)
    url = f"{reverse('cooperation:challenge_create')}?excerpt={excerpt.pk}"
    page = client.get(url)
    form = page.context["form"]
    assert form["basis_kind"].value() == BasisKind.BRIEF
    assert form["basis_excerpts"].value() == str(excerpt.pk)

    data = {**form_data(form), "title": "From the brief", "category": "cost", "severity": "low"}
    response = client.post(url, data)

    assert response.status_code == 302
    record = Challenge.objects.get(title="From the brief")
    claim = Claim.objects.get(spine_id=record.spine_id, field="severity")
    assert claim.basis == BasisKind.BRIEF
    assert list(claim.excerpts.all()) == [excerpt]


def test_the_form_shows_the_basis_as_a_labelled_fieldset(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("cooperation:deal_create")).content.decode()

    assert '<fieldset class="basis-fieldset' in page
    assert "<legend>Basis for the facts you set or change</legend>" in page
    for name in ("basis_excerpts", "basis_citation_title", "basis_citation_url", "basis_reason"):
        assert f'for="id_{name}"' in page
    assert "<script>" not in page and "style=" not in page


def test_the_record_page_shows_each_facts_basis(client, analyst):
    excerpt = ExcerptFactory()
    deal = DealFactory(system="Radar X", basis=Basis.brief(excerpt))
    claim_add(
        user=analyst,
        record=deal,
        field="system",
        value="Radar Y",
        basis=Basis.public_record("Ministry notice", url="https://example.org/notice"),
    )
    client.force_login(analyst)

    page = client.get(deal.get_absolute_url()).content.decode()

    assert 'data-basis-field="system"' in page
    assert '<span class="basis-marker basis-brief"' in page
    assert excerpt.exact in page
    assert "sources disagree" in page


def test_a_reapplied_edit_keeps_the_basis_it_was_given(client, analyst, other_analyst):
    from cooperation.services import tracked_update

    deal = DealFactory(title="Radar", system="Radar X")
    client.force_login(analyst)
    mine = form_data(client.get(_edit_url(deal)).context["form"])
    tracked_update(
        instance=deal, user=other_analyst, data={"title": "Their title"}, expected_version=1
    )
    posted = {**mine, "system": "Radar Y", "basis_kind": "judgement", "basis_reason": "Seen"}
    conflict = client.post(_edit_url(deal), posted)
    assert conflict.status_code == 409

    again = form_data(conflict.context["form"])
    reapplied = client.post(_edit_url(deal), {**again, "reapply": "1"})

    fresh = form_data(reapplied.context["form"])
    assert (fresh["system"], fresh["basis_kind"], fresh["basis_reason"]) == (
        "Radar Y",
        "judgement",
        "Seen",
    )
    assert client.post(_edit_url(deal), fresh).status_code == 302
    assert Deal.objects.get(pk=deal.pk).system == "Radar Y"


@pytest.mark.parametrize("typed", ["²", "١٢", "１２", "12, ³"])
def test_excerpt_ids_in_other_digits_are_a_form_error_not_a_500(client, analyst, typed):
    """str.isdigit says yes to "²" and to other scripts' digits; int() refuses the first.
    Excerpt ids are ASCII digits: anything else is the form's own message."""
    deal = DealFactory(system="Old radar")
    client.force_login(analyst)
    data = form_data(client.get(_edit_url(deal)).context["form"])

    response = client.post(
        _edit_url(deal),
        {**data, "system": "New radar", "basis_kind": "brief", "basis_excerpts": typed},
    )

    assert response.status_code == 200
    assert "as numbers" in " ".join(response.context["form"].errors["basis_excerpts"])
    assert Deal.objects.get(pk=deal.pk).system == "Old radar"
