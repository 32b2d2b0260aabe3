"""Filters that count or test related rows see what the caller sees: a partner is never
shown a challenge as addressed by a recommendation they cannot read."""

from __future__ import annotations

import pytest

from cooperation.choices import Visibility
from cooperation.services import record_set_visibility, tracked_delete
from tests.api.conftest import client_for
from tests.factories import ChallengeFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def _published(record, curator):
    return record_set_visibility(record=record, user=curator, visibility=Visibility.PUBLISHED)


def _titles(client, params) -> set[str]:
    response = client.get("/api/v1/challenges/", params)
    assert response.status_code == 200, response.content[:300]
    return {row["title"] for row in response.json()["results"]}


@pytest.fixture
def challenges(curator):
    """Published challenges addressed by nothing, by a draft, by an internal, by a published,
    and by a published recommendation since moved to the trash."""
    made = {}
    for name in ("none", "draft", "internal", "published", "trashed"):
        made[name] = _published(ChallengeFactory(title=f"Challenge {name}"), curator)
    RecommendationFactory(addresses=[made["draft"]], visibility=Visibility.DRAFT)
    RecommendationFactory(addresses=[made["internal"]], visibility=Visibility.INTERNAL)
    _published(RecommendationFactory(addresses=[made["published"]]), curator)
    trashed = _published(RecommendationFactory(addresses=[made["trashed"]]), curator)
    tracked_delete(instance=trashed, user=curator, expected_version=trashed.version)
    return made


def test_a_partner_sees_a_challenge_addressed_only_by_what_they_can_read(challenges, partner):
    client = client_for(partner, write=False)
    assert _titles(client, {"unaddressed": "true"}) == {
        "Challenge none",
        "Challenge draft",
        "Challenge internal",
        "Challenge trashed",
    }
    assert _titles(client, {"unaddressed": "false"}) == {"Challenge published"}


def test_staff_see_every_live_recommendation_as_addressing(challenges, analyst):
    client = client_for(analyst)
    assert _titles(client, {"unaddressed": "true"}) == {"Challenge none", "Challenge trashed"}
    assert _titles(client, {"unaddressed": "false"}) == {
        "Challenge draft",
        "Challenge internal",
        "Challenge published",
    }
