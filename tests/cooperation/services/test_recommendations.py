"""A recommendation's status: transitions, proposals and responses (services/recommendations.py).

The allowed moves are read from cooperation.choices.RECOMMENDATION_TRANSITIONS, the one
table the UI, the API and the admin also read: every pair of statuses is tried.
"""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import (
    RECOMMENDATION_TRANSITIONS,
    ProposalState,
    RecommendationStatus,
    allowed_transitions,
)
from cooperation.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationStatusChange,
    StatusProposal,
)
from cooperation.services import (
    ConflictError,
    recommendation_create,
    recommendation_response_record,
    recommendation_transition,
    status_proposal_create,
    status_proposal_decide,
    tracked_create,
    tracked_delete,
    tracked_update,
)
from tests.factories import TEST_BASIS, ExcerptFactory, RecommendationFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

S = RecommendationStatus
PAIRS = list(product(S.values, S.values))
ALLOWED = [(a, b) for a, b in PAIRS if b in RECOMMENDATION_TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in RECOMMENDATION_TRANSITIONS[a]]


def _moves() -> int:
    """Status changes other than the initial row every recommendation starts with."""
    return RecommendationStatusChange.objects.exclude(from_status="").count()


def _in_status(status: str) -> Recommendation:
    """A recommendation already in `status` (set directly: the setup, not the thing tested)."""
    recommendation = RecommendationFactory()
    Recommendation.objects.filter(pk=recommendation.pk).update(status=status)
    recommendation.refresh_from_db()
    return recommendation


def test_the_transition_table_covers_every_status_and_names_only_statuses():
    assert set(RECOMMENDATION_TRANSITIONS) == set(S.values)
    for status, targets in RECOMMENDATION_TRANSITIONS.items():
        assert targets <= set(S.values)
        assert status not in targets
    # 7 × 7 pairs: 17 allowed moves, 32 refused (including "stay where you are").
    assert (len(ALLOWED), len(REFUSED)) == (17, 32)


def test_allowed_transitions_lists_the_table_in_display_order():
    assert allowed_transitions(S.PROPOSED) == [S.UNDER_REVIEW, S.REJECTED, S.DEFERRED]
    assert allowed_transitions("nonsense") == []


def test_allowed_transitions_follows_the_table_for_every_status_and_hands_out_its_own_list():
    # Worked out once per process: it must still say exactly what the table says, in the
    # statuses' display order, and a caller changing its list changes nobody else's.
    for status in S.values:
        expected = [value for value in S.values if value in RECOMMENDATION_TRANSITIONS[status]]
        assert allowed_transitions(status) == expected
    mine = allowed_transitions(S.PROPOSED)
    mine.append("tampered")
    assert allowed_transitions(S.PROPOSED) == [S.UNDER_REVIEW, S.REJECTED, S.DEFERRED]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_recommendation_transition_moves_along_every_allowed_pair(curator, from_status, to_status):
    recommendation = _in_status(from_status)
    rows_before = len(history_rows(recommendation))

    change = recommendation_transition(
        recommendation=recommendation,
        to_status=to_status,
        user=curator,
        note="  The ministry wrote back.  ",
        evidence_url="https://example.org/public-record",
    )

    stored = Recommendation.objects.get(pk=recommendation.pk)
    assert (stored.status, stored.version) == (to_status, 2)
    assert (recommendation.status, recommendation.version) == (to_status, 2)
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        from_status,
        to_status,
        curator,
        "The ministry wrote back.",
    )
    assert stored.status_changes.latest() == change
    assert stored.status_changes.count() == 2  # the initial row, then this move
    rows = history_rows(stored)
    assert len(rows) == rows_before + 1
    assert rows[0].history_change_reason == (
        f"Status {S(from_status).label} → {S(to_status).label}"
    )
    assert rows[0].history_user == curator


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_recommendation_transition_refuses_every_pair_outside_the_table(
    curator, from_status, to_status
):
    recommendation = _in_status(from_status)
    changes_before = RecommendationStatusChange.objects.count()

    with pytest.raises(ValidationError) as caught:
        recommendation_transition(
            recommendation=recommendation,
            to_status=to_status,
            user=curator,
            note="Why not.",
            evidence_url="https://example.org/public-record",
        )

    assert list(caught.value.message_dict) == ["to"]
    assert "cannot move" in caught.value.message_dict["to"][0]
    assert RecommendationStatusChange.objects.count() == changes_before
    stored = Recommendation.objects.get(pk=recommendation.pk)
    assert (stored.status, stored.version, len(history_rows(stored))) == (from_status, 1, 1)


def test_recommendation_transition_walks_a_whole_path_keeping_every_change(curator):
    recommendation = RecommendationFactory()
    path = [S.UNDER_REVIEW, S.ACCEPTED, S.IN_PROGRESS, S.IMPLEMENTED]

    for status in path:
        recommendation_transition(
            recommendation=recommendation,
            to_status=status,
            user=curator,
            note=f"To {status}.",
            evidence_url="https://example.org/public-record",
        )

    stored = Recommendation.objects.get(pk=recommendation.pk)
    assert (stored.status, stored.version) == (S.IMPLEMENTED, 5)
    assert list(stored.status_changes.values_list("from_status", "to_status")) == [
        ("", S.PROPOSED),
        *zip([S.PROPOSED, *path[:-1]], path, strict=True),
    ]


@pytest.mark.parametrize("note", ["", "   \n"])
def test_recommendation_transition_requires_a_note(curator, note):
    recommendation = RecommendationFactory()

    with pytest.raises(ValidationError) as caught:
        recommendation_transition(
            recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note=note
        )

    assert caught.value.message_dict == {"note": ["Say why the status changes."]}
    assert _moves() == 0
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED


def test_recommendation_transition_refuses_an_unknown_status(curator):
    with pytest.raises(ValidationError) as caught:
        recommendation_transition(
            recommendation=RecommendationFactory(), to_status="done", user=curator, note="x"
        )

    assert caught.value.message_dict == {"to": ["Unknown status 'done'."]}


def test_recommendation_transition_refuses_an_analyst(analyst):
    recommendation = RecommendationFactory()

    with pytest.raises(PermissionDenied):
        recommendation_transition(
            recommendation=recommendation, to_status=S.UNDER_REVIEW, user=analyst, note="x"
        )

    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED
    assert _moves() == 0


def test_recommendation_transition_with_a_stale_version_raises_conflict(analyst, curator):
    recommendation = RecommendationFactory()
    tracked_update(
        instance=recommendation, user=analyst, data={"title": "Edited"}, expected_version=1
    )

    with pytest.raises(ConflictError):
        recommendation_transition(
            recommendation=recommendation,
            to_status=S.UNDER_REVIEW,
            user=curator,
            note="x",
            expected_version=1,
        )

    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED
    assert _moves() == 0


def test_recommendation_transition_refuses_a_trashed_recommendation(curator):
    recommendation = RecommendationFactory()
    tracked_delete(instance=recommendation, user=curator)

    with pytest.raises(ValidationError, match="in the trash"):
        recommendation_transition(
            recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="x"
        )

    assert _moves() == 0


def test_recommendation_transition_keeps_its_evidence(curator):
    excerpt = ExcerptFactory()

    change = recommendation_transition(
        recommendation=RecommendationFactory(),
        to_status=S.UNDER_REVIEW,
        user=curator,
        note="Reported.",
        evidence_excerpt=excerpt,
        evidence_url="https://example.org/reply",
    )

    stored = RecommendationStatusChange.objects.get(pk=change.pk)
    assert (stored.evidence_excerpt, stored.evidence_url) == (excerpt, "https://example.org/reply")


@pytest.mark.parametrize("url", ["not a url", "ftp://example.org/file", "javascript:alert(1)"])
def test_recommendation_transition_refuses_an_evidence_url_that_is_not_http(curator, url):
    with pytest.raises(ValidationError) as caught:
        recommendation_transition(
            recommendation=RecommendationFactory(),
            to_status=S.UNDER_REVIEW,
            user=curator,
            note="x",
            evidence_url=url,
        )

    assert caught.value.message_dict == {"evidence_url": ["Enter a valid http(s) address."]}
    assert _moves() == 0


def test_recommendation_transition_refuses_a_trashed_evidence_excerpt(curator):
    excerpt = ExcerptFactory()
    tracked_delete(instance=excerpt, user=curator)
    excerpt.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        recommendation_transition(
            recommendation=RecommendationFactory(),
            to_status=S.UNDER_REVIEW,
            user=curator,
            note="x",
            evidence_excerpt=excerpt,
        )

    assert caught.value.message_dict == {"evidence_excerpt": ["This excerpt is in the trash."]}


# -- the initial status row ----------------------------------------------------------------


def test_recommendation_create_starts_its_status_timeline_citing_the_evidence(analyst):
    excerpt = ExcerptFactory()

    recommendation = recommendation_create(
        user=analyst,
        data={"title": "Diversify import partners", "slug": "diversify"},
        reason="Typed from the brief",
        evidence_excerpt=excerpt,
        basis=TEST_BASIS,
    )

    [change] = recommendation.status_changes.all()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "",
        S.PROPOSED,
        analyst,
        "Typed from the brief",
    )
    assert change.evidence_excerpt == excerpt
    assert recommendation.history.count() == 1


def test_recommendation_create_refuses_a_status_so_it_moves_only_by_transition(analyst):
    with pytest.raises(ValidationError) as caught:
        recommendation_create(user=analyst, data={"title": "T", "slug": "t", "status": "accepted"})

    assert caught.value.message_dict == {"status": ["This field cannot be set here."]}
    assert not Recommendation.all_objects.exists()


def test_tracked_create_refuses_a_recommendation_so_no_timeline_is_skipped(analyst):
    with pytest.raises(TypeError, match="recommendation_create"):
        tracked_create(model=Recommendation, user=analyst, data={"title": "T", "slug": "t"})

    assert not Recommendation.all_objects.exists()


# -- status proposals -----------------------------------------------------------------------


def test_status_proposal_create_records_an_open_proposal_and_moves_nothing(analyst):
    recommendation = RecommendationFactory()

    proposal = status_proposal_create(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=analyst, note=" Reply in. "
    )

    stored = StatusProposal.objects.get(pk=proposal.pk)
    assert (stored.from_status, stored.to_status, stored.state) == (
        S.PROPOSED,
        S.UNDER_REVIEW,
        ProposalState.OPEN,
    )
    assert (stored.proposed_by, stored.note) == (analyst, "Reply in.")
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED
    assert _moves() == 0
    [row] = StatusProposal.history.filter(id=proposal.pk)
    assert (row.history_type, row.history_user) == ("+", analyst)


@pytest.mark.parametrize(
    ("to_status", "note", "field"),
    [(S.IMPLEMENTED, "x", "to"), (S.UNDER_REVIEW, "  ", "note")],
)
def test_status_proposal_create_follows_the_transition_table(analyst, to_status, note, field):
    with pytest.raises(ValidationError) as caught:
        status_proposal_create(
            recommendation=RecommendationFactory(),
            to_status=to_status,
            user=analyst,
            note=note,
            evidence_url="https://example.org/public-record",
        )

    assert list(caught.value.message_dict) == [field]
    assert StatusProposal.objects.count() == 0


def test_status_proposal_create_refuses_a_partner(partner):
    with pytest.raises(PermissionDenied):
        status_proposal_create(
            recommendation=RecommendationFactory(), to_status=S.DEFERRED, user=partner, note="x"
        )

    assert StatusProposal.objects.count() == 0


def test_status_proposal_decide_approve_moves_the_status_citing_the_proposal(analyst, curator):
    recommendation = RecommendationFactory()
    excerpt = ExcerptFactory()
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=S.UNDER_REVIEW,
        user=analyst,
        note="Ministry acknowledged.",
        evidence_excerpt=excerpt,
    )

    decided = status_proposal_decide(proposal=proposal, user=curator, approve=True, note="Agreed.")

    assert (decided.state, decided.decided_by, decided.decision_note) == (
        ProposalState.APPROVED,
        curator,
        "Agreed.",
    )
    assert decided.decided_at is not None
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.UNDER_REVIEW
    [change] = RecommendationStatusChange.objects.exclude(from_status="")
    assert (change.to_status, change.changed_by, change.evidence_excerpt) == (
        S.UNDER_REVIEW,
        curator,
        excerpt,
    )
    assert change.note == (f"Ministry acknowledged.\n\n(Proposed by {analyst.email}.) Agreed.")


def test_status_proposal_decide_decline_leaves_the_status(analyst, curator):
    recommendation = RecommendationFactory()
    proposal = status_proposal_create(
        recommendation=recommendation,
        to_status=S.REJECTED,
        user=analyst,
        note="Dead end.",
        evidence_url="https://example.org/public-record",
    )

    decided = status_proposal_decide(proposal=proposal, user=curator, approve=False, note="No.")

    assert (decided.state, decided.decided_by) == (ProposalState.DECLINED, curator)
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED
    assert _moves() == 0


def test_status_proposal_decide_refuses_an_analyst(analyst):
    proposal = status_proposal_create(
        recommendation=RecommendationFactory(), to_status=S.DEFERRED, user=analyst, note="x"
    )

    with pytest.raises(PermissionDenied):
        status_proposal_decide(proposal=proposal, user=analyst, approve=True)

    assert StatusProposal.objects.get(pk=proposal.pk).state == ProposalState.OPEN


def test_status_proposal_decide_refuses_a_proposal_already_decided(analyst, curator):
    proposal = status_proposal_create(
        recommendation=RecommendationFactory(), to_status=S.DEFERRED, user=analyst, note="x"
    )
    status_proposal_decide(proposal=proposal, user=curator, approve=False)

    with pytest.raises(ValidationError, match="already declined"):
        status_proposal_decide(proposal=proposal, user=curator, approve=True)

    assert _moves() == 0


def test_status_proposal_decide_refuses_to_approve_when_the_status_moved_since(analyst, curator):
    recommendation = RecommendationFactory()
    proposal = status_proposal_create(
        recommendation=recommendation, to_status=S.DEFERRED, user=analyst, note="x"
    )
    recommendation_transition(
        recommendation=recommendation, to_status=S.UNDER_REVIEW, user=curator, note="Moved."
    )

    with pytest.raises(ValidationError, match="status has moved"):
        status_proposal_decide(proposal=proposal, user=curator, approve=True)

    assert StatusProposal.objects.get(pk=proposal.pk).state == ProposalState.OPEN
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.UNDER_REVIEW


# -- recommendation_response_record ---------------------------------------------------------


def test_recommendation_response_record_classifies_the_reply(analyst):
    recommendation = RecommendationFactory()

    response = recommendation_response_record(
        recommendation=recommendation,
        classification="accepted_with_comments",
        responded_on=date(2025, 1, 15),
        user=analyst,
        note="Accepted, with a caveat on funding.",
        evidence_url="https://example.org/atr",
    )

    stored = RecommendationResponse.objects.get(pk=response.pk)
    assert (stored.classification, stored.responded_on, stored.recorded_by) == (
        "accepted_with_comments",
        date(2025, 1, 15),
        analyst,
    )
    assert recommendation.responses.latest() == stored
    [row] = RecommendationResponse.history.filter(id=response.pk)
    assert row.history_user == analyst
    # A response is the addressee's answer, not a status move.
    assert Recommendation.objects.get(pk=recommendation.pk).status == S.PROPOSED


def test_recommendation_response_record_refuses_an_unknown_classification(analyst):
    with pytest.raises(ValidationError) as caught:
        recommendation_response_record(
            recommendation=RecommendationFactory(),
            classification="ignored",
            responded_on=date(2025, 1, 15),
            user=analyst,
        )

    assert caught.value.message_dict == {"classification": ["Unknown classification 'ignored'."]}
    assert RecommendationResponse.objects.count() == 0


def test_recommendation_response_record_refuses_a_partner(partner):
    with pytest.raises(PermissionDenied):
        recommendation_response_record(
            recommendation=RecommendationFactory(),
            classification="accepted",
            responded_on=date(2025, 1, 15),
            user=partner,
        )

    assert RecommendationResponse.objects.count() == 0
