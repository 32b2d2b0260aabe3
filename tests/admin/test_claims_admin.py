"""The admin and claims: a record's save says where the facts it changes come from, and the
claims themselves are only read here, by every role."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cooperation.choices import BasisKind, ClaimRank
from cooperation.models import Challenge, Claim, RecordEvidence
from cooperation.provenance import Basis
from cooperation.services import tracked_delete, tracked_update
from tests.factories import (
    AdminFactory,
    AnalystFactory,
    ChallengeFactory,
    CuratorFactory,
    DealFactory,
    ExcerptFactory,
    PartnerFactory,
    UserFactory,
)

from .helpers import admin_form_data

pytestmark = pytest.mark.django_db

NEEDS_BASIS = "Say where this value comes from"


def _change(record):
    return reverse(f"admin:cooperation_{record._meta.model_name}_change", args=[record.pk])


def _severity_claims(challenge):
    return Claim.objects.filter(spine_id=challenge.spine_id, field="severity")


@pytest.fixture
def curator_client(client):
    client.force_login(CuratorFactory())
    return client


# -- saves need a basis for the facts they change --------------------------------------------


def test_admin_change_of_a_fact_without_a_basis_shows_the_refusal_and_changes_nothing(
    curator_client,
):
    challenge = ChallengeFactory(severity="high")
    page = curator_client.get(_change(challenge))
    before = (challenge.history.count(), _severity_claims(challenge).count())

    response = curator_client.post(
        _change(challenge), admin_form_data(page, severity="low", title="Renamed too")
    )

    assert response.status_code == 200  # the form again, not a 500 or a redirect
    form = response.context["adminform"].form
    assert NEEDS_BASIS in form.errors["severity"][0]
    assert "severity changed" in form.errors["basis_kind"][0]
    # What the person typed is still there.
    assert (form["severity"].value(), form["title"].value()) == ("low", "Renamed too")
    assert "Basis for the values you change" in response.content.decode()
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.severity, stored.title, stored.version) == ("high", challenge.title, 1)
    assert (stored.history.count(), _severity_claims(stored).count()) == before


def test_admin_change_with_a_judgement_claims_the_new_value(client):
    curator = CuratorFactory()
    client.force_login(curator)
    challenge = ChallengeFactory(severity="high")
    page = client.get(_change(challenge))

    response = client.post(
        _change(challenge),
        admin_form_data(
            page,
            severity="low",
            basis_kind=BasisKind.JUDGEMENT,
            basis_reason="Costs were shared in the 2025 budget",
        ),
    )

    assert response.status_code == 302, response.context and response.context["adminform"].errors
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.severity, stored.version) == ("low", 2)
    preferred = _severity_claims(stored).get(rank=ClaimRank.PREFERRED)
    assert (preferred.value, preferred.basis, preferred.reason, preferred.created_by) == (
        "low",
        BasisKind.JUDGEMENT,
        "Costs were shared in the 2025 budget",
        curator,
    )
    # The factory's claim for "high" stays, no longer preferred.
    assert _severity_claims(stored).get(value="high").rank == ClaimRank.NORMAL


def test_admin_change_with_excerpts_of_a_brief_claims_them_as_evidence(curator_client):
    deal = DealFactory(status="proposed")
    excerpt = ExcerptFactory()
    page = curator_client.get(_change(deal))

    response = curator_client.post(
        _change(deal),
        admin_form_data(
            page, status="failed", basis_kind=BasisKind.BRIEF, basis_excerpts=str(excerpt.pk)
        ),
    )

    assert response.status_code == 302
    claim = Claim.objects.get(spine_id=deal.spine_id, field="status", rank=ClaimRank.PREFERRED)
    assert (claim.value, claim.basis) == ("failed", BasisKind.BRIEF)
    assert list(claim.excerpts.all()) == [excerpt]
    assert RecordEvidence.objects.filter(spine_id=deal.spine_id, excerpt=excerpt).exists()


def test_admin_change_with_a_public_record_keeps_its_citation(curator_client):
    deal = DealFactory(status="proposed")
    page = curator_client.get(_change(deal))

    response = curator_client.post(
        _change(deal),
        admin_form_data(
            page,
            status="signed",
            basis_kind=BasisKind.PUBLIC_RECORD,
            basis_citation_title="Contract signed",
            basis_citation_publisher="Ministry of Defence",
            basis_citation_url="https://example.org/contract",
            basis_citation_accessed="2026-12-01",
        ),
    )

    assert response.status_code == 302
    claim = Claim.objects.get(spine_id=deal.spine_id, field="status", rank=ClaimRank.PREFERRED)
    assert claim.citation() == {
        "title": "Contract signed",
        "publisher": "Ministry of Defence",
        "url": "https://example.org/contract",
        "accessed": "2026-12-01",
    }


def test_admin_basis_with_what_its_kind_needs_missing_is_a_form_error(curator_client):
    challenge = ChallengeFactory(severity="high")
    page = curator_client.get(_change(challenge))

    response = curator_client.post(
        _change(challenge),
        admin_form_data(page, severity="low", basis_kind=BasisKind.PUBLIC_RECORD),
    )

    assert response.status_code == 200
    assert (
        "cited by its title" in response.context["adminform"].form.errors["basis_citation_title"][0]
    )
    assert Challenge.objects.get(pk=challenge.pk).severity == "high"


def test_admin_add_without_a_basis_for_its_facts_creates_nothing(curator_client):
    add = reverse("admin:cooperation_challenge_add")
    page = curator_client.get(add)
    before = (Challenge.all_objects.count(), Claim.objects.count())

    response = curator_client.post(
        add,
        admin_form_data(
            page,
            title="Shipyard capacity",
            slug="shipyard-capacity",
            category="infrastructure",
            severity="high",
            visibility="internal",
        ),
    )

    assert response.status_code == 200
    assert NEEDS_BASIS in response.context["adminform"].form.errors["severity"][0]
    assert (Challenge.all_objects.count(), Claim.objects.count()) == before


def test_admin_change_of_what_is_not_a_fact_needs_no_basis(curator_client):
    challenge = ChallengeFactory()
    page = curator_client.get(_change(challenge))

    response = curator_client.post(_change(challenge), admin_form_data(page, title="Renamed"))

    assert response.status_code == 302
    assert Challenge.objects.get(pk=challenge.pk).title == "Renamed"


# -- claims are read here, never written -----------------------------------------------------


def _claim() -> Claim:
    challenge = ChallengeFactory(severity="high")
    return _severity_claims(challenge).get()


ROLES = {
    "analyst": AnalystFactory,
    "curator": CuratorFactory,
    "admin": AdminFactory,
    "superuser": lambda: UserFactory(roles=[], is_superuser=True),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_the_claims_admin_is_read_only_for_every_role(client, role):
    claim = _claim()
    client.force_login(ROLES[role]())
    changelist = reverse("admin:cooperation_claim_changelist")
    change = reverse("admin:cooperation_claim_change", args=[claim.pk])
    before = (Claim.objects.count(), claim.version, claim.history.count())

    listing = client.get(changelist)
    page = client.get(change)

    assert listing.status_code == 200 and "Test data" in listing.content.decode()
    assert listing.context["action_form"] is None  # no actions at all
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:cooperation_claim_history", args=[claim.pk])).status_code == (
        200
    )
    for url in (
        reverse("admin:cooperation_claim_add"),
        reverse("admin:cooperation_claim_delete", args=[claim.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    assert (
        client.post(change, {"field": "status", "value": '"x"', "rank": "deprecated"}).status_code
        == 403
    )
    version_id = claim.history.order_by("history_id").first().history_id
    revert = reverse("admin:cooperation_claim_simple_history", args=[claim.pk, version_id])
    assert client.post(revert).status_code == 403
    claim.refresh_from_db()
    assert (Claim.objects.count(), claim.version, claim.history.count()) == before


def test_partners_never_reach_the_claims_admin(client):
    claim = _claim()
    client.force_login(PartnerFactory())
    for url in (
        reverse("admin:cooperation_claim_changelist"),
        reverse("admin:cooperation_claim_change", args=[claim.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_records_admin_page_shows_its_claims_read_only(curator_client):
    challenge = ChallengeFactory(severity="high")
    tracked_update(
        instance=challenge,
        user=CuratorFactory(),
        data={"severity": "low"},
        expected_version=1,
        basis=Basis.public_record(
            "Budget review",
            publisher="Treasury",
            url="https://example.org/r",
            accessed=date(2026, 1, 2),
        ),
    )

    page = curator_client.get(_change(challenge))

    [claims] = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Claim]
    assert not claims.has_add_permission and not claims.has_change_permission
    assert not claims.has_delete_permission
    html = page.content.decode()
    assert "Budget review" in html and "Treasury" in html and "read 2026-01-02" in html
    assert "Test data" in html  # the earlier claim, kept beside the preferred one
    # Saving the record with its claims on the page changes no claim.
    before = list(Claim.objects.values_list("pk", "version", "rank"))
    response = curator_client.post(_change(challenge), admin_form_data(page, title="Renamed"))
    assert response.status_code == 302
    assert list(Claim.objects.values_list("pk", "version", "rank")) == before


def test_a_new_records_page_has_no_claims_inline(curator_client):
    page = curator_client.get(reverse("admin:cooperation_challenge_add"))
    assert all(f.opts.model is not Claim for f in page.context["inline_admin_formsets"])


def test_admin_refusal_naming_no_field_shows_above_the_form(curator_client):
    challenge = tracked_delete(instance=ChallengeFactory(), user=CuratorFactory())
    page = curator_client.get(_change(challenge))  # the trash opens here too

    response = curator_client.post(_change(challenge), admin_form_data(page, title="Renamed"))

    assert response.status_code == 200
    [message] = response.context["adminform"].form.non_field_errors()
    assert "restore it before editing" in message
    assert Challenge.all_objects.get(pk=challenge.pk).title == challenge.title


def test_a_claim_resting_on_the_brief_shows_its_excerpts_in_the_admin(curator_client):
    """Every basis renders on both admin pages (the brief's once answered 500: format_html
    with no arguments is an error in Django 6)."""
    deal = DealFactory(status="proposed")
    first, second = ExcerptFactory(), ExcerptFactory()
    tracked_update(
        instance=deal,
        user=CuratorFactory(),
        data={"status": "failed"},
        expected_version=1,
        basis=Basis.brief(first.pk, second.pk),
    )
    claim = Claim.objects.get(spine_id=deal.spine_id, field="status", value="failed")

    for url in (_change(deal), reverse("admin:cooperation_claim_change", args=[claim.pk])):
        page = curator_client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert f"excerpt {first.pk}," in html and f"excerpt {second.pk}," in html
        assert "<br>" in html
