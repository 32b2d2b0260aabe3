"""The recommendation board: a column per status, filters, overdue markers, constant queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Priority, RecommendationStatus
from cooperation.services import recommendation_transition
from cooperation.views import recommendations as views
from tests.factories import ActorFactory, RecommendationFactory, TopicFactory

pytestmark = pytest.mark.django_db

S = RecommendationStatus
BOARD = reverse("cooperation:recommendation_board")


def move(recommendation, *statuses, user):
    for status in statuses:
        recommendation_transition(
            recommendation=recommendation,
            to_status=status,
            user=user,
            note="Moved",
            evidence_url="https://example.org/public-record",
        )


def column_html(html: str, status: str) -> str:
    start = html.index(f'id="board-{status}"')
    end = html.find('<section class="board-column"', start)
    return html[start : end if end != -1 else None]


def titles_in(html: str, status: str) -> list[str]:
    return re.findall(
        r'<h3 class="board-card-title"><a href="[^"]+">([^<]+)</a>', column_html(html, status)
    )


def test_board_has_a_column_per_status_in_workflow_order(client, analyst, curator):
    RecommendationFactory(title="Stay proposed")
    move(
        RecommendationFactory(title="Under way"),
        S.UNDER_REVIEW,
        S.ACCEPTED,
        S.IN_PROGRESS,
        user=curator,
    )
    move(RecommendationFactory(title="Turned down"), S.REJECTED, user=curator)
    client.force_login(analyst)

    response = client.get(BOARD)

    assert response.status_code == 200
    html = response.content.decode()
    headings = re.findall(r'<h2 id="board-([a-z_]+)"', html)
    assert headings == S.values
    assert titles_in(html, S.PROPOSED) == ["Stay proposed"]
    assert titles_in(html, S.IN_PROGRESS) == ["Under way"]
    assert titles_in(html, S.REJECTED) == ["Turned down"]
    assert titles_in(html, S.IMPLEMENTED) == []
    counts = [column["count"] for column in response.context["columns"]]
    assert counts == [1, 0, 0, 1, 0, 1, 0]
    assert '<span class="board-count">1<span class="visually-hidden"> recommendation</span>' in (
        column_html(html, S.PROPOSED)
    )
    assert "3 recommendations" in html


def test_board_cards_show_priority_owner_target_date_and_overdue(client, analyst, curator):
    today = timezone.localdate()
    late = RecommendationFactory(
        title="Late one",
        priority=Priority.HIGH,
        owner=analyst,
        target_date=today - datetime.timedelta(days=3),
    )
    RecommendationFactory(title="On time", target_date=today + datetime.timedelta(days=30))
    done = RecommendationFactory(title="Done late", target_date=today - datetime.timedelta(days=9))
    move(done, S.UNDER_REVIEW, S.ACCEPTED, S.IN_PROGRESS, S.IMPLEMENTED, user=curator)
    client.force_login(analyst)

    html = client.get(BOARD).content.decode()

    proposed = column_html(html, S.PROPOSED)
    late_card = proposed[proposed.index("Late one") : proposed.index("On time")]
    assert f'href="{late.get_absolute_url()}"' in proposed
    assert "High" in late_card and "Aiko Analyst" in late_card
    assert '<span class="badge overdue">Overdue</span>' in late_card
    assert "Overdue" not in proposed[proposed.index("On time") :]
    assert "Unassigned" in proposed[proposed.index("On time") :]
    # Closed recommendations are never overdue.
    assert "Overdue" not in column_html(html, S.IMPLEMENTED)
    # High priority first within a column.
    assert titles_in(html, S.PROPOSED) == ["Late one", "On time"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority=high", ["Semiconductor fab"]),
        ("actor=japan", ["Semiconductor fab"]),
        ("topic=space", ["Space situational awareness"]),
        ("q=semiconductor", ["Semiconductor fab"]),
        ("", ["Semiconductor fab", "Space situational awareness"]),
    ],
)
def test_board_filters_with_the_recommendation_filterset(client, analyst, query, expected):
    japan = ActorFactory(name="Japan", slug="japan")
    space = TopicFactory(name="Space", slug="space")
    RecommendationFactory(title="Semiconductor fab", priority=Priority.HIGH, actors=[japan])
    RecommendationFactory(title="Space situational awareness", topics=[space])
    client.force_login(analyst)

    html = client.get(f"{BOARD}?{query}").content.decode()

    assert sorted(titles_in(html, S.PROPOSED)) == expected


def test_board_filters_by_owner(client, analyst, other_analyst):
    RecommendationFactory(title="Mine", owner=analyst)
    RecommendationFactory(title="Theirs", owner=other_analyst)
    client.force_login(analyst)

    html = client.get(f"{BOARD}?owner={analyst.pk}").content.decode()

    assert titles_in(html, S.PROPOSED) == ["Mine"]


def test_board_ignores_a_filter_it_cannot_read(client, analyst):
    RecommendationFactory(title="Still here")
    client.force_login(analyst)

    response = client.get(f"{BOARD}?priority=urgent&owner=abc")

    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_board_links_each_card_to_its_status_form(client, analyst, curator):
    recommendation = RecommendationFactory(title="Movable")
    url = reverse("cooperation:recommendation_transition", args=[recommendation.slug])

    client.force_login(curator)
    curator_html = client.get(BOARD).content.decode()
    client.force_login(analyst)
    analyst_html = client.get(BOARD).content.decode()

    assert f'href="{url}?next=' in curator_html and "Change status" in curator_html
    assert f'href="{url}?next=' in analyst_html and "Propose a move" in analyst_html


def test_board_costs_the_same_queries_for_1_and_20_recommendations(
    client, analyst, curator, django_assert_num_queries
):
    japan = ActorFactory(slug="japan")
    RecommendationFactory(owner=analyst, actors=[japan], target_date=datetime.date(2020, 1, 1))
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as one:
        client.get(f"{BOARD}?actor=japan")
    for i in range(19):
        recommendation = RecommendationFactory(owner=curator if i % 2 else analyst, actors=[japan])
        if i % 3 == 0:
            move(recommendation, S.UNDER_REVIEW, user=curator)

    with django_assert_num_queries(len(one)):
        response = client.get(f"{BOARD}?actor=japan")

    assert response.context["total"] == 20


def test_board_sends_anonymous_visitors_to_login_and_refuses_partners(client, partner):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(partner)
    assert client.get(BOARD).status_code == 403


def test_board_shows_a_long_column_in_part_with_a_link_to_the_full_list(
    client, analyst, monkeypatch
):
    monkeypatch.setattr(views, "BOARD_COLUMN_LIMIT", 2)
    for title in ("Alpha", "Beta", "Gamma"):
        RecommendationFactory(title=title, priority=Priority.LOW)
    client.force_login(analyst)

    html = client.get(f"{BOARD}?priority=low").content.decode()

    assert titles_in(html, S.PROPOSED) == ["Alpha", "Beta"]
    proposed = column_html(html, S.PROPOSED)
    assert '<span class="board-count">3<' in proposed
    list_url = reverse("cooperation:recommendation_list")
    assert f'<a href="{list_url}?priority=low&amp;status=proposed">1 more proposed' in proposed


# -- moving cards (static/js/board.js reads these attributes; the server decides) -----------


def card_html(html: str, slug: str) -> str:
    start = html.index(f'data-card="{slug}"')
    return html[start : html.index("</li>", start)]


def test_each_card_carries_the_moves_the_table_allows_its_viewer(client, analyst, curator):
    fresh = RecommendationFactory(title="Fresh")
    closed = RecommendationFactory(title="Closed")
    move(closed, S.REJECTED, user=curator)
    transition = reverse("cooperation:recommendation_transition", args=[fresh.slug])
    propose = reverse("cooperation:recommendation_propose", args=[fresh.slug])

    client.force_login(curator)
    html = client.get(BOARD).content.decode()
    card = card_html(html, fresh.slug)
    assert 'data-move-way="transition"' in card
    assert f'data-move-action="{transition}"' in card
    assert 'data-move-targets="under_review rejected deferred"' in card
    assert f'data-version="{fresh.version}"' in card
    # The same statuses the API's `actions` lists for the curator.
    from cooperation.permissions import record_actions

    listed = [a.split(":", 1)[1] for a in record_actions(curator, fresh) if ":" in a]
    assert listed == ["under_review", "rejected", "deferred"]
    assert 'data-move-targets="under_review"' in card_html(html, closed.slug)
    # Moving into these columns closes a recommendation: its evidence is asked for.
    assert re.findall(r'data-column="([a-z_]+)"[^>]*data-closing', html) == [
        S.IMPLEMENTED,
        S.REJECTED,
    ]

    client.force_login(analyst)
    card = card_html(client.get(BOARD).content.decode(), fresh.slug)
    assert 'data-move-way="propose"' in card
    assert f'data-move-action="{propose}"' in card
    assert 'data-move-targets="under_review rejected deferred"' in card


def test_status_moves_offers_nothing_to_whoever_may_neither_move_nor_propose(curator, partner):
    from cooperation.permissions import status_moves
    from tests.factories import AgreementFactory

    recommendation = RecommendationFactory(title="Partners read only")

    assert status_moves(partner, recommendation) == ("", [])
    assert status_moves(curator, AgreementFactory()) == ("", [])
    assert status_moves(curator, recommendation) == (
        "transition",
        [S.UNDER_REVIEW, S.REJECTED, S.DEFERRED],
    )


def _post_from_board(client, recommendation, url_name, **data):
    url = reverse(f"cooperation:{url_name}", args=[recommendation.slug])
    return client.post(
        url,
        {"version": recommendation.version, "note": "Forged", "next": BOARD, **data},
    )


def test_a_forged_drop_on_a_disallowed_column_is_refused_and_changes_nothing(client, curator):
    recommendation = RecommendationFactory(title="Still proposed")
    client.force_login(curator)

    response = _post_from_board(
        client,
        recommendation,
        "recommendation_transition",
        to_status=S.IMPLEMENTED,
        evidence_url="https://example.org/record",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot move to implemented" in html
    assert "Allowed: under review, rejected, deferred." in html
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.PROPOSED, 1)
    assert recommendation.status_changes.count() == 1
    assert recommendation.history.count() == 1


@pytest.mark.parametrize("to_status", ["implemented", "proposed", "nonsense", ""])
def test_a_forged_proposal_to_a_disallowed_status_is_refused(client, analyst, to_status):
    recommendation = RecommendationFactory(title="Not this way")
    client.force_login(analyst)

    response = _post_from_board(
        client, recommendation, "recommendation_propose", to_status=to_status
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED
    assert not recommendation.status_proposals.exists()


def test_an_analyst_forging_a_curators_move_is_refused(client, analyst):
    recommendation = RecommendationFactory(title="Curators only")
    client.force_login(analyst)

    response = _post_from_board(
        client, recommendation, "recommendation_transition", to_status=S.UNDER_REVIEW
    )

    assert response.status_code == 403
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED
    assert recommendation.status_changes.count() == 1


def test_a_drop_on_a_card_that_moved_meanwhile_is_a_conflict(client, curator):
    recommendation = RecommendationFactory(title="Moved by someone else")
    shown_version = recommendation.version
    move(recommendation, S.UNDER_REVIEW, user=curator)
    client.force_login(curator)

    response = client.post(
        reverse("cooperation:recommendation_transition", args=[recommendation.slug]),
        {"version": shown_version, "to_status": S.ACCEPTED, "note": "Stale", "next": BOARD},
    )

    assert response.status_code == 409
    assert "changed since you opened the form" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.status == S.UNDER_REVIEW
