"""What becomes of a recommendation, dated and evidenced: a move records when it happened
apart from when it was recorded, closing needs evidence, and GAO's open / closed view is
derived from the status everywhere (services, web, API, CSV, filters)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import RecommendationStatus as S
from cooperation.choices import ResponseClassification
from cooperation.services import (
    recommendation_response_record,
    recommendation_transition,
    status_proposal_create,
)
from tests.api.conftest import client_for
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db
PUBLIC = "https://example.org/ministry-statement"


def _to_rejected(recommendation, user, **extra):
    return recommendation_transition(
        recommendation=recommendation, to_status=S.REJECTED, user=user, note="No.", **extra
    )


@pytest.mark.parametrize("service", [recommendation_transition, status_proposal_create])
def test_closing_without_evidence_is_refused_and_changes_nothing(curator, service):
    recommendation = RecommendationFactory()
    with pytest.raises(ValidationError) as refused:
        service(recommendation=recommendation, to_status=S.REJECTED, user=curator, note="No.")
    assert "evidence_excerpt" in refused.value.message_dict
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED
    assert recommendation.status_changes.count() == 1
    assert not recommendation.status_proposals.exists()


def test_closing_with_a_public_record_link_moves_and_is_closed_for_gao(curator):
    recommendation = RecommendationFactory()
    _to_rejected(recommendation, curator, evidence_url=PUBLIC)
    recommendation.refresh_from_db()
    assert recommendation.gao_status == "closed_not_implemented"
    assert recommendation.get_gao_status_display() == "Closed – not implemented"


def test_a_move_keeps_when_it_happened_apart_from_when_it_was_recorded(curator):
    recommendation = RecommendationFactory()
    change = recommendation_transition(
        recommendation=recommendation,
        to_status=S.UNDER_REVIEW,
        user=curator,
        note="The ministry began a review.",
        happened_on="2025-03",
    )
    assert (change.happened_on, change.happened_on_precision) == (date(2025, 3, 1), "month")
    assert change.changed_at.date() == timezone.localdate()


@pytest.mark.parametrize(
    ("when", "message"),
    [("2025-13", "not a date"), ("soon", "Enter a year"), ("2999", "after today")],
)
def test_a_move_dated_wrongly_is_refused(curator, when, message):
    recommendation = RecommendationFactory()
    with pytest.raises(ValidationError) as refused:
        recommendation_transition(
            recommendation=recommendation,
            to_status=S.UNDER_REVIEW,
            user=curator,
            note="Review.",
            happened_on=when,
        )
    assert message in str(refused.value.message_dict["happened_on"])
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_the_web_form_dates_a_move_and_refuses_closing_without_evidence(client, curator):
    recommendation = RecommendationFactory()
    client.force_login(curator)
    url = reverse("cooperation:recommendation_transition", args=[recommendation.slug])
    refused = client.post(url, {"to_status": S.REJECTED, "note": "No.", "version": 1})
    assert refused.status_code == 200
    assert "needs evidence" in refused.content.decode()
    moved = client.post(
        url, {"to_status": S.UNDER_REVIEW, "note": "Begun.", "version": 1, "happened_on": "2025"}
    )
    assert moved.status_code == 302
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert 'happened <time datetime="2025">2025</time>; recorded' in page
    assert "as GAO reports it" in page and "Open" in page


def test_the_api_carries_when_a_move_happened_and_the_gao_view(curator, analyst):
    recommendation = RecommendationFactory()
    path = f"/api/v1/recommendations/{recommendation.pk}/"
    answer = client_for(curator).post(
        f"{path}transition/",
        {"to": S.REJECTED, "note": "Declined.", "evidence_url": PUBLIC, "happened_on": "2025-02"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["happened_on"] == "2025-02"
    bad_date = client_for(curator).post(
        f"{path}transition/",
        {"to": S.UNDER_REVIEW, "note": "Again.", "happened_on": "2025-02-30"},
        format="json",
    )
    assert bad_date.status_code == 400
    assert "happened_on" in bad_date.json()["errors"]
    detail = client_for(analyst).get(path).json()
    assert detail["gao_status"] == "closed_not_implemented"
    assert [c["happened_on"] for c in detail["status_history"]] == [None, "2025-02"]
    listed = client_for(analyst).get("/api/v1/recommendations/", {"gao": "closed_not_implemented"})
    assert [row["id"] for row in listed.json()["results"]] == [recommendation.pk]
    [row] = listed.json()["results"]
    assert row["status_history"] == detail["status_history"]
    assert (
        client_for(analyst).get("/api/v1/recommendations/", {"gao": "open"}).json()["results"] == []
    )


def test_the_csv_says_open_or_closed(client, analyst, curator):
    recommendation = RecommendationFactory(title="Declined one")
    _to_rejected(recommendation, curator, evidence_url=PUBLIC)
    RecommendationFactory(title="Still open")
    client.force_login(analyst)
    response = client.get(reverse("cooperation:recommendation_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["title"]: row["gao_status"] for row in rows} == {
        "Declined one": "Closed – not implemented",
        "Still open": "Open",
    }


def test_a_response_dated_to_the_month_is_shown_so(client, analyst, curator):
    recommendation = RecommendationFactory()
    response = recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.values[0],
        responded_on="2025-03",
        user=curator,
    )
    assert (response.responded_on, response.responded_on_precision) == (date(2025, 3, 1), "month")
    client.force_login(analyst)
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert '<time datetime="2025-03">March 2025</time>' in page
    with pytest.raises(ValidationError):
        recommendation_response_record(
            recommendation=recommendation,
            classification=ResponseClassification.values[0],
            responded_on=timezone.localdate() + timedelta(days=2),
            user=curator,
        )
