"""Recommendation tracking: the status tag, transitions, proposals and responses.

The recommendation page is another area's; redirects into it are checked by address
and never followed.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import RequestContext, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import (
    ProposalState,
    RecommendationStatus,
    ResponseClassification,
    allowed_transitions,
)
from cooperation.models import RecommendationResponse, StatusProposal
from cooperation.services import (
    evidence_attach,
    recommendation_response_record,
    recommendation_transition,
    status_proposal_create,
)
from tests.factories import ExcerptFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

S = RecommendationStatus


@pytest.fixture
def recommendation():
    return RecommendationFactory(title="Co-develop unmanned systems")


@pytest.fixture
def excerpt(recommendation):
    excerpt = ExcerptFactory()
    evidence_attach(record=recommendation, excerpt=excerpt, user=None)
    return excerpt


def render_tracking(rf, recommendation, user) -> str:
    request = rf.get("/recommendations/x/")
    request.user = user
    template = Template("{% load recommendations %}{% recommendation_tracking rec %}")
    return template.render(RequestContext(request, {"rec": recommendation}))


def offered_statuses(html: str) -> list[str]:
    select = re.search(r'<select name="to_status"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([a-z_]+)"', select)


def transition(client, recommendation, **data):
    data = {"to_status": S.UNDER_REVIEW, "note": "Ready for review", "version": 1, **data}
    url = reverse("cooperation:recommendation_transition", args=[recommendation.slug])
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def propose(client, recommendation, **data):
    data = {"to_status": S.UNDER_REVIEW, "note": "Worth a review", "version": 1, **data}
    url = reverse("cooperation:recommendation_propose", args=[recommendation.slug])
    return client.post(url, data)


# -- the tracking tag ---------------------------------------------------------------------


def test_recommendation_tracking_offers_a_curator_only_the_allowed_transitions(
    rf, curator, recommendation
):
    html = render_tracking(rf, recommendation, curator)

    assert 'Current status: <span class="badge status-proposed">Proposed</span>' in html
    assert offered_statuses(html) == allowed_transitions(S.PROPOSED)
    assert "Change the status" in html
    assert reverse("cooperation:recommendation_transition", args=[recommendation.slug]) in html


def test_recommendation_tracking_offers_an_analyst_a_proposal_instead(rf, analyst, recommendation):
    html = render_tracking(rf, recommendation, analyst)

    assert "Propose a status change" in html
    assert offered_statuses(html) == allowed_transitions(S.PROPOSED)
    assert reverse("cooperation:recommendation_propose", args=[recommendation.slug]) in html
    assert reverse("cooperation:recommendation_transition", args=[recommendation.slug]) not in html


def test_recommendation_tracking_shows_the_timeline_with_notes_and_evidence(
    rf, analyst, curator, recommendation, excerpt
):
    recommendation_transition(
        recommendation=recommendation,
        to_status=S.UNDER_REVIEW,
        user=curator,
        note="Raised at the dialogue",
        evidence_excerpt=excerpt,
        evidence_url="https://example.org/statement",
    )

    html = render_tracking(rf, recommendation, analyst)

    timeline = html[html.index("Status timeline") :]
    assert "Raised at the dialogue" in timeline and "Chandra Curator" in timeline
    assert '<span class="badge status-proposed">Proposed</span>' in timeline
    assert '<span class="badge status-under_review">Under review</span>' in timeline
    assert excerpt.get_absolute_url() in timeline
    assert 'href="https://example.org/statement" rel="nofollow noopener noreferrer"' in timeline
    assert "Created as" in timeline


def test_recommendation_tracking_lists_open_proposals_with_decisions_for_curators_only(
    rf, analyst, curator, recommendation
):
    proposal = status_proposal_create(
        recommendation=recommendation, to_status=S.DEFERRED, user=analyst, note="Not this year"
    )
    decide_url = reverse("cooperation:proposal_decide", args=[proposal.pk])

    for_curator = render_tracking(rf, recommendation, curator)
    for_analyst = render_tracking(rf, recommendation, analyst)

    for html in (for_curator, for_analyst):
        assert 'Open proposals <span class="muted">(1)</span>' in html
        assert "Not this year" in html and "Aiko Analyst" in html
    assert decide_url in for_curator and 'value="approve"' in for_curator
    assert decide_url not in for_analyst


def test_recommendation_tracking_shows_responses_and_the_form_to_record_one(
    rf, analyst, recommendation
):
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.INTERIM_REPLY,
        responded_on=datetime.date(2025, 3, 1),
        user=analyst,
        note="Ministry will revert",
    )

    html = render_tracking(rf, recommendation, analyst)

    assert "Interim reply" in html and "Ministry will revert" in html and "1 March 2025" in html
    assert reverse("cooperation:recommendation_response", args=[recommendation.slug]) in html


def test_recommendation_tracking_costs_the_same_queries_for_short_and_long_histories(
    rf, analyst, curator, recommendation, excerpt
):
    def count_queries() -> int:
        user = get_user_model().objects.get(pk=curator.pk)
        with CaptureQueriesContext(connection) as queries:
            render_tracking(rf, recommendation, user)
        return len(queries)

    status_proposal_create(
        recommendation=recommendation,
        to_status=S.REJECTED,
        user=analyst,
        note="No",
        evidence_url="https://example.org/public-record",
    )
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.AWAITING_REPLY,
        responded_on=datetime.date(2025, 1, 1),
        user=analyst,
        evidence_excerpt=excerpt,
    )
    count_queries()  # warm: a source's text is read once per process, for its reading view
    short = count_queries()
    for _ in range(5):
        for status in (S.UNDER_REVIEW, S.PROPOSED):
            recommendation_transition(
                recommendation=recommendation,
                to_status=status,
                user=curator,
                note="Back and forth",
                evidence_excerpt=excerpt,
            )
        status_proposal_create(
            recommendation=recommendation, to_status=S.DEFERRED, user=analyst, note="Later"
        )
        recommendation_response_record(
            recommendation=recommendation,
            classification=ResponseClassification.INTERIM_REPLY,
            responded_on=datetime.date(2025, 2, 1),
            user=analyst,
            evidence_excerpt=excerpt,
        )

    assert recommendation.status_changes.count() == 11
    assert count_queries() == short


# -- transitions --------------------------------------------------------------------------


def test_recommendation_transition_by_a_curator_moves_the_status_with_a_note_and_evidence(
    client, curator, recommendation, excerpt
):
    client.force_login(curator)

    response = transition(
        client, recommendation, evidence_excerpt=excerpt.pk, next="/recommendations/board/"
    )

    assert response.status_code == 302
    assert response["Location"] == "/recommendations/board/#tracking"
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.UNDER_REVIEW, 2)
    change = recommendation.status_changes.latest()
    assert (change.from_status, change.to_status, change.changed_by) == (
        S.PROPOSED,
        S.UNDER_REVIEW,
        curator,
    )
    assert (change.note, change.evidence_excerpt) == ("Ready for review", excerpt)


def test_recommendation_transition_returns_to_the_recommendation_by_default(
    client, curator, recommendation
):
    client.force_login(curator)

    response = transition(client, recommendation, next="https://evil.example/")

    assert response["Location"] == f"{recommendation.get_absolute_url()}#tracking"


def test_recommendation_transition_records_evidence_by_excerpt_number_or_url(
    client, curator, recommendation
):
    elsewhere = ExcerptFactory()  # not yet evidence for this recommendation
    client.force_login(curator)

    transition(
        client,
        recommendation,
        evidence_excerpt_id=elsewhere.pk,
        evidence_url="https://example.org/minutes",
    )

    change = recommendation.status_changes.latest()
    assert (change.evidence_excerpt, change.evidence_url) == (
        elsewhere,
        "https://example.org/minutes",
    )


def test_recommendation_transition_by_an_analyst_is_refused(client, analyst, recommendation):
    client.force_login(analyst)

    response = transition(client, recommendation)

    assert response.status_code == 403
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.PROPOSED, 1)
    assert recommendation.status_changes.count() == 1


def test_recommendation_transition_not_allowed_from_the_current_status_is_refused(
    client, curator, recommendation
):
    client.force_login(curator)

    response = transition(client, recommendation, to_status=S.IMPLEMENTED, note="Done!")

    assert response.status_code == 200
    html = response.content.decode()
    assert "A recommendation that is proposed cannot move to implemented." in html
    assert "Done!" in html
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.PROPOSED, 1)
    assert recommendation.status_changes.count() == 1


def test_recommendation_transition_needs_a_note(client, curator, recommendation):
    client.force_login(curator)

    response = transition(client, recommendation, note="   ")

    assert response.status_code == 200
    assert "Say why the status changes." in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_recommendation_transition_with_a_stale_version_is_a_conflict(
    client, curator, recommendation
):
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="First"
    )
    client.force_login(curator)

    response = transition(client, recommendation, to_status=S.DEFERRED, note="Mine", version=1)

    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Mine" in html and 'name="version" value="2"' in html
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.UNDER_REVIEW, 2)


def test_recommendation_transition_rejects_an_unknown_excerpt_and_a_non_web_url(
    client, curator, recommendation
):
    client.force_login(curator)

    response = transition(
        client, recommendation, evidence_excerpt_id=999999, evidence_url="ftp://example.org/x"
    )

    html = response.content.decode()
    assert "There is no excerpt #999999." in html
    assert "Enter a web address starting with http:// or https://." in html
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_recommendation_transition_page_offers_the_allowed_moves(
    client, curator, analyst, partner, recommendation
):
    url = reverse("cooperation:recommendation_transition", args=[recommendation.slug])

    client.force_login(curator)
    html = client.get(url).content.decode()
    assert offered_statuses(html) == allowed_transitions(S.PROPOSED)
    assert "<h1>Change the status</h1>" in html

    client.force_login(analyst)
    html = client.get(url).content.decode()
    assert "<h1>Propose a status change</h1>" in html
    assert reverse("cooperation:recommendation_propose", args=[recommendation.slug]) in html

    client.force_login(partner)
    assert client.get(url).status_code == 403


# -- proposals ----------------------------------------------------------------------------


def test_recommendation_propose_by_an_analyst_leaves_the_status_for_a_curator(
    client, analyst, recommendation, excerpt
):
    client.force_login(analyst)

    response = propose(client, recommendation, evidence_excerpt=excerpt.pk)

    assert response.status_code == 302
    proposal = StatusProposal.objects.get()
    assert (proposal.from_status, proposal.to_status, proposal.proposed_by) == (
        S.PROPOSED,
        S.UNDER_REVIEW,
        analyst,
    )
    assert (proposal.state, proposal.evidence_excerpt) == (ProposalState.OPEN, excerpt)
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_recommendation_propose_refuses_a_disallowed_move_and_a_stale_version(
    client, analyst, curator, recommendation
):
    client.force_login(analyst)

    refused = propose(client, recommendation, to_status=S.IN_PROGRESS)
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="Moved"
    )
    stale = propose(client, recommendation, to_status=S.ACCEPTED, version=1)

    assert "cannot move to in_progress" in refused.content.decode()
    assert stale.status_code == 409
    assert not StatusProposal.objects.exists()


@pytest.mark.parametrize("post", [transition, propose], ids=["transition", "propose"])
def test_a_stale_status_form_is_the_same_conflict_page_for_a_move_and_a_proposal(
    client, analyst, curator, recommendation, post
):
    """Both are saved by one helper: the service checks the version, the form comes back."""
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="Moved"
    )
    client.force_login(curator if post is transition else analyst)

    response = post(client, recommendation, to_status=S.DEFERRED, note="Mine", version=1)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Mine" in html and 'name="version" value="2"' in html
    assert not StatusProposal.objects.exists()
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.version) == (S.UNDER_REVIEW, 2)


def decide(client, proposal, decision, note=""):
    url = reverse("cooperation:proposal_decide", args=[proposal.pk])
    return client.post(url, {"decision": decision, "note": note})


def test_proposal_decide_approve_moves_the_status(client, analyst, curator, recommendation):
    proposal = status_proposal_create(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=analyst, note="Review it"
    )
    client.force_login(curator)

    response = decide(client, proposal, "approve", "Agreed")

    assert response["Location"] == f"{recommendation.get_absolute_url()}#tracking"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.decision_note) == (
        ProposalState.APPROVED,
        curator,
        "Agreed",
    )
    recommendation.refresh_from_db()
    assert recommendation.status == S.UNDER_REVIEW
    assert recommendation.status_changes.latest().changed_by == curator


def test_proposal_decide_decline_leaves_the_status(client, analyst, curator, recommendation):
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=S.REJECTED,
        user=analyst,
        note="Drop it",
        evidence_url="https://example.org/public-record",
    )
    client.force_login(curator)

    decide(client, proposal, "decline")

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DECLINED
    recommendation.refresh_from_db()
    assert recommendation.status == S.PROPOSED


def test_proposal_decide_by_an_analyst_is_refused(client, analyst, recommendation):
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=S.REJECTED,
        user=analyst,
        note="Drop it",
        evidence_url="https://example.org/public-record",
    )
    client.force_login(analyst)

    response = decide(client, proposal, "approve")

    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN


def test_proposal_decide_approving_a_stale_proposal_says_why_not(
    client, analyst, curator, recommendation
):
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=S.REJECTED,
        user=analyst,
        note="Drop it",
        evidence_url="https://example.org/public-record",
    )
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="Moved"
    )
    client.force_login(curator)

    response = decide(client, proposal, "approve")

    [message] = [str(m) for m in response.wsgi_request._messages]
    assert "The status has moved since this was proposed" in message
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN


# -- responses ----------------------------------------------------------------------------


def test_recommendation_response_is_recorded_with_its_evidence(
    client, analyst, recommendation, excerpt
):
    client.force_login(analyst)

    response = client.post(
        reverse("cooperation:recommendation_response", args=[recommendation.slug]),
        {
            "classification": ResponseClassification.ACCEPTED_WITH_COMMENTS,
            "responded_on": "2025-02-14",
            "note": "Accepted, funding later",
            "evidence_excerpt": excerpt.pk,
        },
    )

    assert response.status_code == 302
    stored = RecommendationResponse.objects.get()
    assert (stored.classification, stored.responded_on, stored.note) == (
        "accepted_with_comments",
        datetime.date(2025, 2, 14),
        "Accepted, funding later",
    )
    assert (stored.evidence_excerpt, stored.recorded_by) == (excerpt, analyst)


def test_recommendation_response_refuses_a_future_date_and_keeps_the_input(
    client, analyst, recommendation
):
    client.force_login(analyst)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("cooperation:recommendation_response", args=[recommendation.slug]),
        {"classification": "not_pursued", "responded_on": tomorrow.isoformat(), "note": "Soon"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A response cannot be dated in the future." in html and "Soon" in html
    assert not RecommendationResponse.objects.exists()


# -- access -------------------------------------------------------------------------------


def tracking_urls(recommendation):
    return [
        reverse("cooperation:recommendation_transition", args=[recommendation.slug]),
        reverse("cooperation:recommendation_propose", args=[recommendation.slug]),
        reverse("cooperation:recommendation_response", args=[recommendation.slug]),
        reverse("cooperation:proposal_decide", args=[1]),
    ]


def test_tracking_pages_send_anonymous_visitors_to_login(client, recommendation):
    for url in tracking_urls(recommendation):
        response = client.post(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_tracking_pages_refuse_partners(client, partner, recommendation):
    client.force_login(partner)

    for url in tracking_urls(recommendation):
        assert client.post(url).status_code == 403, url


# -- what the page costs: one excerpt query, Jinja2 forms, no source text on a warm cache ----


def _normalised_html(form) -> str:
    html = "".join(field.as_field_group() for field in form.visible_fields())
    html += "".join(str(field) for field in form.hidden_fields()) + str(form.non_field_errors())
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


@pytest.mark.parametrize("bound", [False, True], ids=["blank", "with-errors"])
@pytest.mark.parametrize("form_name", ["StatusChangeForm", "ResponseForm"])
def test_tracking_forms_render_as_djangos_default_renderer_does(
    recommendation, excerpt, form_name, bound
):
    from django.forms.renderers import get_default_renderer

    from cooperation.forms import recommendations as forms

    form_class = getattr(forms, form_name)
    data = None
    if bound:
        data = {"to_status": "zzz", "evidence_url": "ftp://x", "evidence_excerpt_id": "abc"}
        data |= {"classification": "zzz", "responded_on": "2999-01-01", "note": ""}
    fast = form_class(data, recommendation=recommendation)
    default = form_class(data, recommendation=recommendation, renderer=get_default_renderer())
    assert fast.renderer is forms.FAST_RENDERER
    if bound:
        assert not fast.is_valid() and not default.is_valid()
    assert str(excerpt.pk) in _normalised_html(fast)
    assert _normalised_html(fast) == _normalised_html(default)


def test_tracking_forms_share_one_excerpt_query(rf, curator, recommendation, excerpt):
    user = get_user_model().objects.get(pk=curator.pk)
    render_tracking(rf, recommendation, user)  # warm the user's permission cache
    with CaptureQueriesContext(connection) as queries:
        html = render_tracking(rf, recommendation, user)
    excerpt_queries = [
        q["sql"] for q in queries.captured_queries if 'FROM "cooperation_excerpt"' in q["sql"]
    ]
    assert len(excerpt_queries) == 1, excerpt_queries
    assert not any("CURSOR" in q["sql"] for q in queries.captured_queries)
    # Both forms offer it.
    assert html.count(f'<option value="{excerpt.pk}"') == 2


def test_a_loaded_choice_list_still_validates_against_the_queryset(recommendation, excerpt):
    from cooperation.forms.recommendations import StatusChangeForm

    other = ExcerptFactory()  # not evidence for this recommendation
    data = {"to_status": S.UNDER_REVIEW, "note": "Why", "version": 1}
    chosen = StatusChangeForm(
        {**data, "evidence_excerpt": excerpt.pk}, recommendation=recommendation, loaded=[]
    )
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["excerpt"] == excerpt
    stranger = StatusChangeForm(
        {**data, "evidence_excerpt": other.pk}, recommendation=recommendation, loaded=[other]
    )
    assert not stranger.is_valid()
    assert "evidence_excerpt" in stranger.errors


def test_the_recommendation_page_reads_no_source_text_once_its_reading_is_cached(
    client, curator, recommendation, excerpt
):
    client.force_login(curator)
    url = recommendation.get_absolute_url()
    assert client.get(url).status_code == 200  # builds the source's reading view
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert excerpt.display_quote in response.content.decode()
    text_column = '"cooperation_source"."text"'
    assert not [q["sql"] for q in queries.captured_queries if text_column in q["sql"]]
