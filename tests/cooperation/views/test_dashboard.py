"""The dashboard at / (cooperation/views/dashboard.py, cooperation/selectors.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.services import (
    annotation_create,
    annotation_resolve,
    recommendation_transition,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from cooperation.views.dashboard import status_chart
from tests.cooperation.views.helpers import add_rows, count_queries
from tests.factories import AgreementFactory, ChallengeFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

PAST = datetime.date(2020, 1, 1)
FUTURE = datetime.date(2999, 1, 1)


def test_dashboard_is_home(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "cooperation/dashboard/dashboard.html" in [t.name for t in response.templates]


def test_dashboard_counts_live_records_per_kind_visibility_and_status(client, analyst, curator):
    AgreementFactory(visibility=Visibility.PUBLISHED)
    AgreementFactory(visibility=Visibility.INTERNAL)
    tracked_delete(instance=AgreementFactory(), user=curator)
    rec = RecommendationFactory()
    recommendation_transition(
        recommendation=rec, to_status=RecommendationStatus.UNDER_REVIEW, user=curator, note="Go"
    )
    client.force_login(analyst)

    kinds = {k["key"]: k for k in client.get("/").context["kinds"]}

    agreements = kinds["agreement"]
    assert agreements["total"] == 2
    assert {v["value"]: v["count"] for v in agreements["visibility"]} == {
        "draft": 0,
        "internal": 1,
        "published": 1,
    }
    statuses = {s["value"]: s["count"] for s in kinds["recommendation"]["statuses"]}
    assert statuses["under_review"] == 1
    assert statuses["proposed"] == 0
    assert kinds["challenge"]["by"] == "severity"


def test_dashboard_chart_is_an_accessible_picture_with_a_table(client, analyst, curator):
    RecommendationFactory()
    RecommendationFactory()
    client.force_login(analyst)

    html = client.get("/").content.decode()

    assert '<svg class="chart" role="group" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html
    assert "2 recommendations: Proposed 2; Under review 0;" in html
    assert html.count('<rect class="bar status-') == len(RecommendationStatus.choices)
    assert '<text x="150" y="24.0" text-anchor="end">Proposed</text>' in html
    assert (
        '<th scope="row"><a href="/recommendations/?status=proposed">Proposed</a></th><td>2</td>'
        in html
    )


def test_status_chart_scales_bars_to_the_largest_count():
    chart = status_chart(
        [
            {"value": "a", "label": "A", "count": 4},
            {"value": "b", "label": "B", "count": 1},
            {"value": "c", "label": "C", "count": 0},
        ]
    )

    widths = [bar["width"] for bar in chart["bars"]]
    assert widths == [380, 95, 0]
    assert chart["total"] == 5
    assert status_chart([{"value": "a", "label": "A", "count": 0}])["bars"][0]["width"] == 0


def test_dashboard_lists_challenges_no_live_recommendation_addresses(client, analyst, curator):
    answered = ChallengeFactory(title="Answered")
    RecommendationFactory(addresses=[answered])
    orphaned = ChallengeFactory(title="Orphaned")
    tracked_delete(instance=RecommendationFactory(addresses=[orphaned]), user=curator)
    ChallengeFactory(title="Never answered")
    client.force_login(analyst)

    context = client.get("/").context

    assert context["unaddressed_count"] == 2
    assert sorted(c.title for c in context["unaddressed"]) == ["Never answered", "Orphaned"]


def test_dashboard_lists_overdue_open_recommendations(client, analyst, curator):
    RecommendationFactory(title="Late", target_date=PAST)
    RecommendationFactory(title="On time", target_date=FUTURE)
    RecommendationFactory(title="No date")
    done = RecommendationFactory(title="Late but rejected", target_date=PAST)
    recommendation_transition(
        recommendation=done,
        to_status=RecommendationStatus.REJECTED,
        user=curator,
        note="No",
        evidence_url="https://example.org/public-record",
    )
    client.force_login(analyst)

    context = client.get("/").context

    assert [r.title for r in context["overdue"]] == ["Late"]
    assert context["overdue_count"] == 1


def test_dashboard_shows_recent_activity_newest_first(client, analyst):
    agreement = AgreementFactory(title="First")
    RecommendationFactory(title="Second")
    tracked_update(
        instance=agreement, user=analyst, data={"title": "First, renamed"}, expected_version=1
    )
    client.force_login(analyst)

    activity = client.get("/").context["activity"]

    assert [(a.title, a.action) for a in activity[:3]] == [
        ("First, renamed", "changed"),
        ("Second", "created"),
        ("First", "created"),
    ]
    assert activity[0].who == "Aiko Analyst"
    assert activity[0].url == agreement.get_absolute_url()


def test_dashboard_shows_the_users_own_open_items(client, analyst, other_analyst, curator):
    mine = RecommendationFactory(title="Mine", owner=analyst)
    RecommendationFactory(title="Theirs", owner=other_analyst)
    closed = RecommendationFactory(title="Mine, rejected", owner=analyst)
    recommendation_transition(
        recommendation=closed,
        to_status=RecommendationStatus.REJECTED,
        user=curator,
        note="No",
        evidence_url="https://example.org/public-record",
    )
    open_thread = annotation_create(author=analyst, body="Still open", record=mine)
    done = annotation_create(author=analyst, body="Done", record=mine)
    annotation_resolve(annotation=done, user=analyst)
    annotation_create(author=analyst, body="A reply", parent=open_thread)
    annotation_create(author=other_analyst, body="Not mine", record=mine)
    proposal = status_proposal_create(
        recommendation=mine, to_status="under_review", user=analyst, note="Ready"
    )
    client.force_login(analyst)

    response = client.get("/")

    items = response.context["mine"]
    assert [r.title for r in items["recommendations"]] == ["Mine"]
    assert [n.body for n in items["threads"]] == ["Still open"]
    assert items["proposals"] == [proposal]
    assert items["to_decide"] == []
    assert "Proposals awaiting a decision" not in response.content.decode()
    assert reverse("cooperation:annotation_detail", args=[open_thread.pk]) in (
        response.content.decode()
    )


def test_dashboard_shows_a_curator_the_proposals_to_decide(client, analyst, curator):
    proposal = status_proposal_create(
        recommendation=RecommendationFactory(), to_status="under_review", user=analyst, note="Ok"
    )
    client.force_login(curator)

    response = client.get("/")

    assert response.context["mine"]["to_decide"] == [proposal]
    assert "Proposals awaiting a decision" in response.content.decode()


def test_dashboard_costs_the_same_queries_at_one_row_and_at_many(client, curator):
    client.force_login(curator)
    add_rows(1, curator)
    small = count_queries(client, "/")
    add_rows(25, curator)
    large = count_queries(client, "/")

    assert large == small


def test_dashboard_sends_a_partner_to_the_api_access_page(client, partner):
    client.force_login(partner)

    response = client.get("/")

    # Partners have no workspace: the home page is their API access page, not a 403.
    assert response.status_code == 302
    assert response["Location"] == reverse("api_access")


def test_the_dashboards_counts_do_not_grow_with_every_claim_or_link(db):
    """At 550,000 records (bench/, docs/benchmarks.md) the cold dashboard answered 503:
    `NOT IN (links)` is hashed by PostgreSQL only while the links fit in work_mem, and
    past that scanned every link once per challenge; the disagreement count grouped every
    claim (4.4 s). The unanswered challenges are an anti-join (NOT EXISTS) and the count
    reads only the claims that can disagree (normal rank: index `claim_unranked`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cooperation.selectors import unaddressed_challenges
    from cooperation.views.claims import unresolved_count

    with CaptureQueriesContext(connection) as captured:
        unaddressed_challenges()
        unresolved_count()
    unanswered, disagreements = captured.captured_queries[0]["sql"], captured.captured_queries[-1]
    assert "NOT (EXISTS(" in unanswered and " NOT IN " not in unanswered
    assert '"cooperation_claim"."rank" = \'normal\'' in disagreements["sql"]
