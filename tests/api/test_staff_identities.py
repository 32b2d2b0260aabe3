"""Partners see who did something by name or organisation, never a staff e-mail address nor
a user id, in any record, timeline, note, export or filter they can reach."""

from __future__ import annotations

import re

import pytest

from cooperation.choices import AnnotationVisibility, RecommendationStatus, Visibility
from cooperation.models import Recommendation
from cooperation.services import (
    annotation_create,
    recommendation_transition,
    record_set_visibility,
    tracked_update,
)
from tests.api.conftest import client_for
from tests.factories import AnalystFactory, CuratorFactory, RecommendationFactory

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def nameless_staff_work(db):
    """A recommendation owned, moved and annotated by staff who have no full name."""
    owner = AnalystFactory(full_name="", email="owner.secret@example.org")
    curator = CuratorFactory(full_name="", email="curator.secret@example.org")
    recommendation = RecommendationFactory(title="Open a joint lab")
    recommendation = tracked_update(
        instance=recommendation, user=curator, data={"owner": owner}, expected_version=None
    )
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Looking at it",
    )
    recommendation = Recommendation.objects.get(pk=recommendation.pk)
    recommendation = record_set_visibility(
        record=recommendation, user=curator, visibility=Visibility.PUBLISHED
    )
    annotation_create(
        author=owner,
        body="For our partners",
        record=recommendation,
        visibility=AnnotationVisibility.PARTNERS,
    )
    return recommendation, owner, curator


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_partners_see_no_staff_email_and_no_user_id(nameless_staff_work, partner):
    recommendation, owner, curator = nameless_staff_work
    client = client_for(partner, write=False)
    pages = [
        "/api/v1/recommendations/",
        f"/api/v1/recommendations/{recommendation.pk}/",
        f"/api/v1/recommendations/{recommendation.pk}/history/",
        "/api/v1/recommendations/export/",
        "/api/v1/annotations/",
        "/api/v1/annotations/export/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = _text(response)
        assert not EMAIL.search(text), (page, EMAIL.search(text))
        for user in (owner, curator):
            assert not re.search(rf"User {user.pk}\b", text), page
    detail = client.get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    assert detail["owner"] is None
    assert detail["owner_name"] == "Contours team"
    assert detail["status_history"][-1]["changed_by"] == "Contours team"
    listed = client.get("/api/v1/recommendations/").json()["results"][0]
    assert listed["owner"] is None


def test_staff_still_see_the_owner_id(nameless_staff_work, analyst):
    recommendation, owner, _ = nameless_staff_work
    detail = client_for(analyst).get(f"/api/v1/recommendations/{recommendation.pk}/").json()
    assert detail["owner"] == owner.pk


@pytest.mark.parametrize(
    ("resource", "name"), [("recommendations", "owner"), ("annotations", "author")]
)
def test_partners_cannot_enumerate_users_through_filters(
    nameless_staff_work, partner, resource, name
):
    _, owner, _ = nameless_staff_work
    client = client_for(partner, write=False)
    existing = client.get(f"/api/v1/{resource}/?{name}={owner.pk}")
    missing = client.get(f"/api/v1/{resource}/?{name}=999999")
    assert existing.status_code == missing.status_code
    assert existing.json() == missing.json() or existing.status_code == 400
    if existing.status_code == 200:
        assert existing.json()["results"] == []
