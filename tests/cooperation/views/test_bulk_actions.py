"""Bulk actions on record lists (cooperation/views/bulk.py): each selected row through its own
service call with its own history row; refusals listed with their reason; bad input a 400
that changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.choices import RecommendationStatus as S
from cooperation.choices import Visibility
from cooperation.models import Agreement, Recommendation
from cooperation.services import recommendation_transition
from tests.factories import AgreementFactory, RecommendationFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db


def _bulk(client, kind, **data):
    return client.post(reverse(f"cooperation:{kind}_bulk"), data)


def test_a_curator_publishes_the_selected_rows_each_with_its_history(client, curator):
    drafts = [AgreementFactory(title=f"Draft {n}") for n in range(3)]
    untouched = AgreementFactory(title="Not selected")
    client.force_login(curator)
    response = _bulk(client, "agreement", action="publish", ids=[d.pk for d in drafts])
    assert response.status_code == 200
    assert "3 done" in response.content.decode()
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.visibility == Visibility.PUBLISHED
        assert len(history_rows(draft)) == 2
    untouched.refresh_from_db()
    assert untouched.visibility != Visibility.PUBLISHED


def test_a_partial_failure_lists_each_refused_row_and_why(client, curator):
    ready = RecommendationFactory(title="Ready")
    recommendation_transition(
        recommendation=ready, to_status=S.UNDER_REVIEW, user=curator, note="Review"
    )
    early = RecommendationFactory(title="Too early")
    client.force_login(curator)
    response = _bulk(
        client,
        "recommendation",
        action="move_status",
        to_status=S.ACCEPTED,
        note="Agreed at the meeting.",
        ids=[ready.pk, early.pk],
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 done, 1 refused" in html
    assert "Too early</a>: " in html and "cannot move" in html
    ready.refresh_from_db()
    early.refresh_from_db()
    assert (ready.status, early.status) == (S.ACCEPTED, S.PROPOSED)


def test_closing_in_bulk_needs_evidence_row_by_row(client, curator):
    rows = [RecommendationFactory(title=f"R{n}") for n in range(2)]
    client.force_login(curator)
    refused = _bulk(
        client,
        "recommendation",
        action="move_status",
        to_status=S.REJECTED,
        note="No.",
        ids=[r.pk for r in rows],
    )
    assert "0 done, 2 refused" in refused.content.decode()
    done = _bulk(
        client,
        "recommendation",
        action="move_status",
        to_status=S.REJECTED,
        note="No.",
        evidence_url="https://example.org/statement",
        ids=[r.pk for r in rows],
    )
    assert "2 done" in done.content.decode()
    assert set(Recommendation.objects.values_list("status", flat=True)) == {S.REJECTED}


def test_an_owner_is_assigned_to_each_row(client, curator, analyst):
    rows = [RecommendationFactory(title=f"R{n}") for n in range(2)]
    client.force_login(curator)
    response = _bulk(
        client, "recommendation", action="assign_owner", owner=analyst.pk, ids=[r.pk for r in rows]
    )
    assert "2 done" in response.content.decode()
    assert {r.owner_id for r in Recommendation.objects.all()} == {analyst.pk}
    assert {r.version for r in Recommendation.objects.all()} == {2}


@pytest.mark.parametrize(
    "data",
    [
        {"action": "publish"},  # no rows
        {"action": "publish", "ids": ["abc"]},
        {"action": "publish", "ids": ["99999999"]},
        {"action": "fly", "ids": ["{pk}"]},
        {"action": "move_status", "ids": ["{pk}"]},  # an agreement has no status moves
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(client, curator, data):
    agreement = AgreementFactory()
    client.force_login(curator)
    data = {
        k: [v.format(pk=agreement.pk) for v in vs] if isinstance(vs, list) else vs
        for k, vs in data.items()
    }
    response = _bulk(client, "agreement", **data)
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.version == 1


def test_an_analyst_is_not_offered_publishing_and_cannot_post_it(client, analyst):
    agreement = AgreementFactory()
    client.force_login(analyst)
    page = client.get(reverse("cooperation:agreement_list")).content.decode()
    assert 'value="publish"' not in page
    response = _bulk(client, "agreement", action="publish", ids=[agreement.pk])
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.visibility != Visibility.PUBLISHED


def test_the_list_offers_a_checkbox_per_row_tied_to_the_form(client, curator):
    agreement = AgreementFactory(title="Tick me")
    client.force_login(curator)
    page = client.get(reverse("cooperation:agreement_list")).content.decode()
    assert f'name="ids" value="{agreement.pk}" form="bulk-form"' in page
    assert 'id="bulk-form"' in page


def test_partners_and_anonymous_cannot_post_bulk_actions(client):
    from tests.factories import PartnerFactory

    agreement = AgreementFactory()
    assert _bulk(client, "agreement", action="publish", ids=[agreement.pk]).status_code in (
        302,
        403,
    )
    client.force_login(PartnerFactory())
    assert _bulk(client, "agreement", action="publish", ids=[agreement.pk]).status_code in (
        302,
        403,
    )
    assert Agreement.objects.get().visibility != Visibility.PUBLISHED
