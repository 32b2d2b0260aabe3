"""The admin's history pages say what each version changed, in words a curator reads."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.services import organisation_update
from cooperation.admin.records import AgreementAdmin
from cooperation.models import Recommendation
from cooperation.services import (
    recommendation_transition,
    tracked_delete,
    tracked_undelete,
    tracked_update,
)
from tests.factories import (
    ActorFactory,
    AdminFactory,
    AgreementFactory,
    CuratorFactory,
    OrganisationFactory,
    RecommendationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _cells(html: str, column: int) -> list[str]:
    """The text of one column of the history table, one entry per version (newest first)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)[column] for row in rows]
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(is_superuser=True))
    return client


def test_history_lists_each_change_as_field_before_after(admin_client):
    actor, topic = ActorFactory(name="India"), TopicFactory(name="Space")
    agreement = AgreementFactory(title="Space pact", actors=[actor], visibility="internal")
    agreement = tracked_update(
        instance=agreement,
        user=None,
        data={"title": "Space and cyber pact", "visibility": "published", "topics": [topic]},
        expected_version=agreement.version,
    )

    response = admin_client.get(reverse("admin:cooperation_agreement_history", args=[agreement.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    newest, first = _cells(html, 5)
    assert "Title: Space pact → Space and cyber pact" in newest
    # Choices by their label, links by their names, in the fields' verbose names.
    assert "Visibility: Internal → Published" in newest
    assert "Topics: — → Space" in newest
    assert "Version" not in newest  # bookkeeping stays in its own column
    # The first version lists what it was created with: never an empty cell.
    assert "Title: Space pact" in first
    assert "Actors: India" in first
    assert _cells(html, 0) == ["Version 2", "Version 1"]
    # No raw column names, no duplicated reason column.
    assert "history_change_reason" not in html.lower()
    assert html.count(">Reason<") == 1


def test_the_last_version_on_a_page_is_diffed_against_the_next_page(admin_client, monkeypatch):
    monkeypatch.setattr(AgreementAdmin, "history_list_per_page", 1)
    agreement = AgreementFactory(title="Before")
    tracked_update(
        instance=agreement, user=None, data={"title": "After"}, expected_version=agreement.version
    )

    response = admin_client.get(reverse("admin:cooperation_agreement_history", args=[agreement.pk]))

    assert _cells(response.content.decode(), 5) == ["Title: Before → After"]


def test_history_of_a_model_without_foreign_keys_renders(admin_client):
    # simple-history's select_related() with no names is deprecated: once a 500 here.
    organisation = OrganisationFactory(name="Old name")
    organisation_update(organisation=organisation, data={"name": "New name"})

    response = admin_client.get(
        reverse("admin:accounts_organisation_history", args=[organisation.pk])
    )

    assert response.status_code == 200
    assert "Name: Old name → New name" in _cells(response.content.decode(), 5)[0]


def test_history_shows_changes_no_form_edits_status_and_trash(admin_client):
    curator = CuratorFactory()
    recommendation = RecommendationFactory(title="Open a desk")
    recommendation_transition(
        recommendation=recommendation, to_status="under_review", user=curator, note="Go"
    )
    recommendation.refresh_from_db()
    tracked_delete(instance=recommendation, user=curator)
    tracked_undelete(instance=Recommendation.all_objects.get(pk=recommendation.pk), user=curator)

    response = admin_client.get(
        reverse("admin:cooperation_recommendation_history", args=[recommendation.pk])
    )

    restored, trashed, moved, _created = _cells(response.content.decode(), 5)
    assert "Status: Proposed → Under review" in moved
    assert "Deleted at: — →" in trashed
    assert "Deleted at:" in restored and restored.endswith("→ —")
