"""The board dialog's requests (static/js/board.js): the status views answer JSON.

A script asking for JSON gets `{"detail", "redirect"}` on success and problem details
(portal/problems.py) on every refusal, never a page and never a 500: a missing note or
evidence, a status the table refuses, a stale version, forged ids, another role, oversized
input. The pages without script are tested in test_recommendation_tracking.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.choices import RecommendationStatus
from cooperation.services import recommendation_transition
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

S = RecommendationStatus
JSON = {"HTTP_ACCEPT": "application/json"}


def post(client, view, slug, **data):
    data = {"to_status": S.UNDER_REVIEW, "note": "Ready", "version": 1, **data}
    url = reverse(f"cooperation:{view}", args=[slug])
    return client.post(url, data, **JSON)


def test_a_curators_move_answers_where_to_go_with_the_message_kept(client, curator):
    recommendation = RecommendationFactory()
    client.force_login(curator)

    response = post(
        client, "recommendation_transition", recommendation.slug, next="/recommendations/board/"
    )

    assert response.status_code == 200
    assert response.json() == {
        "detail": "Status changed to under review.",
        "redirect": "/recommendations/board/#tracking",
    }
    recommendation.refresh_from_db()
    assert recommendation.status == S.UNDER_REVIEW
    # The message waits for the next page.
    page = client.get("/recommendations/board/")
    assert "Status changed to under review." in page.content.decode()


def test_an_analysts_proposal_answers_json_too(client, analyst):
    recommendation = RecommendationFactory()
    client.force_login(analyst)

    response = post(client, "recommendation_propose", recommendation.slug)

    assert response.status_code == 200
    assert response.json()["detail"].startswith("Proposal sent")


def problem_of(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"to_status": S.IMPLEMENTED}, "to_status", "cannot move to implemented"),
        ({"to_status": "no-such-status"}, "to_status", "cannot move to no-such-status"),
        ({"note": "  "}, "note", "Say why the status changes."),
        ({"note": "x" * 10_001}, "note", "at most 10000 characters"),
        ({"to_status": S.REJECTED}, "evidence", "needs evidence"),
        ({"evidence_excerpt_id": 999_999}, "evidence_excerpt_id", ""),
        ({"evidence_excerpt_id": "abc"}, "evidence_excerpt_id", ""),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", ""),
        ({"happened_on": "2015-13-45"}, "happened_on", ""),
        ({"version": "abc"}, "version", ""),
    ],
    ids=[
        "refused-status",
        "forged-status",
        "no-note",
        "oversized-note",
        "closing-without-evidence",
        "forged-excerpt",
        "garbage-excerpt",
        "script-url",
        "impossible-date",
        "garbage-version",
    ],
)
def test_a_refused_move_is_problem_details_by_field(client, curator, data, field, message):
    recommendation = RecommendationFactory()
    client.force_login(curator)

    response = post(client, "recommendation_transition", recommendation.slug, **data)
    problem = problem_of(response, 400)

    messages = [text for texts in problem["errors"].values() for text in texts]
    said = " ".join([problem["detail"], *messages])
    assert message in said
    if field != "evidence":  # the service's evidence refusal may sit on the form
        assert field in problem["errors"], problem
    assert (problem["version"], problem["current_status"]) == (1, S.PROPOSED)
    assert problem["targets"] == [S.UNDER_REVIEW, S.REJECTED, S.DEFERRED]
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.PROPOSED, 1)


def test_a_card_moved_meanwhile_is_a_conflict_with_where_it_stands_now(client, curator):
    recommendation = RecommendationFactory()
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="First"
    )
    client.force_login(curator)

    problem = problem_of(
        post(client, "recommendation_transition", recommendation.slug, to_status=S.DEFERRED), 409
    )

    assert problem["code"] == "conflict"
    assert "changed by someone else" in problem["detail"]
    assert (problem["version"], problem["current_status"]) == (2, S.UNDER_REVIEW)
    assert S.ACCEPTED in problem["targets"]


def test_a_proposal_for_a_card_moved_meanwhile_is_a_conflict_too(client, analyst, curator):
    recommendation = RecommendationFactory()
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="First"
    )
    client.force_login(analyst)

    problem = problem_of(
        post(client, "recommendation_propose", recommendation.slug, to_status=S.DEFERRED), 409
    )

    assert problem["version"] == 2


def test_a_forged_recommendation_is_a_404_problem(client, curator):
    client.force_login(curator)

    problem = problem_of(post(client, "recommendation_transition", "no-such-slug"), 404)

    assert problem["detail"] == "This recommendation no longer exists."


def test_an_analysts_move_is_a_403_problem(client, analyst):
    recommendation = RecommendationFactory()
    client.force_login(analyst)

    problem = problem_of(post(client, "recommendation_transition", recommendation.slug), 403)

    assert problem["code"] == "permission_denied"
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


@pytest.mark.parametrize("view", ["recommendation_transition", "recommendation_propose"])
def test_a_partner_never_reaches_the_views(client, partner, view):
    recommendation = RecommendationFactory()
    client.force_login(partner)

    response = post(client, view, recommendation.slug)

    assert response.status_code in (302, 403)  # internal_user_required answers first
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_a_browsers_own_post_still_gets_the_pages(client, curator):
    recommendation = RecommendationFactory()
    client.force_login(curator)
    url = reverse("cooperation:recommendation_transition", args=[recommendation.slug])

    response = client.post(
        url,
        {"to_status": S.IMPLEMENTED, "note": "x", "version": 1},
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/json;q=0.9",
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
