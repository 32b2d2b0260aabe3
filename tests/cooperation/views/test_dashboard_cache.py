"""The dashboard's shared part is cached under a data stamp that every write changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.choices import Visibility
from cooperation.services import recommendation_transition, record_set_visibility, tracked_delete
from cooperation.views.dashboard import data_stamp
from tests.factories import AgreementFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _published_agreements(response) -> int:
    kinds = {kind["key"]: kind for kind in response.context["kinds"]}
    counts = {row["value"]: row["count"] for row in kinds["agreement"]["visibility"]}
    return counts[Visibility.PUBLISHED]


def test_dashboard_second_visit_skips_the_aggregates(client, analyst):
    AgreementFactory(visibility=Visibility.PUBLISHED)
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("home"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("home"))
    assert len(second.captured_queries) < len(first.captured_queries)
    # The header's bell counts the user's own unread notifications on every page: not an
    # aggregate of the shared dashboard.
    aggregates = [
        q["sql"] for q in second.captured_queries if "NOTIFICATION" not in q["sql"].upper()
    ]
    assert not any("COUNT(" in sql.upper() for sql in aggregates)


def test_dashboard_shows_a_write_at_once(client, analyst, curator):
    agreement = AgreementFactory(visibility=Visibility.INTERNAL)
    client.force_login(analyst)
    assert _published_agreements(client.get(reverse("home"))) == 0
    record_set_visibility(record=agreement, user=curator, visibility=Visibility.PUBLISHED)
    assert _published_agreements(client.get(reverse("home"))) == 1
    tracked_delete(instance=agreement, user=curator)
    assert _published_agreements(client.get(reverse("home"))) == 0


def test_data_stamp_changes_with_creates_status_moves_and_the_date(curator, monkeypatch):
    before = data_stamp()
    recommendation = RecommendationFactory()
    created = data_stamp()
    recommendation_transition(
        recommendation=recommendation, to_status="under_review", user=curator, note="Review it."
    )
    moved = data_stamp()
    assert len({before, created, moved}) == 3
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: datetime.date(2999, 1, 1))
    assert data_stamp() != moved


def test_the_disagreement_count_follows_a_claim_ranked_without_writing_the_record(
    client, analyst, curator
):
    """Ranking a claim the record doesn't show writes no record row: the stamp reads the
    claims too, or the dashboard would count a resolved disagreement until the next write."""
    from cooperation.choices import ClaimRank
    from cooperation.models import Claim
    from cooperation.provenance import Basis
    from cooperation.services import claim_add, claim_set_rank

    agreement = AgreementFactory(signed_on=datetime.date(2015, 12, 12))
    claim_add(
        record=agreement,
        field="signed_on",
        value="2016",
        basis=Basis.judgement("Another brief says 2016"),
        user=curator,
    )
    claims = Claim.objects.filter(spine_id=agreement.spine_id, field="signed_on")
    shown = claims.get(value="2015-12-12")
    claim_set_rank(claim=shown, rank=ClaimRank.NORMAL, user=curator)  # nothing preferred now
    client.force_login(analyst)
    assert client.get(reverse("home")).context["disagreements_count"] == 1

    other = claims.get(value="2016")
    claim_set_rank(claim=other, rank=ClaimRank.DEPRECATED, user=curator)
    shown.refresh_from_db()
    claim_set_rank(claim=shown, rank=ClaimRank.PREFERRED, user=curator)

    assert client.get(reverse("home")).context["disagreements_count"] == 0
