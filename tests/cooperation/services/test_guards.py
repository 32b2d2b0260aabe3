"""Guards the services keep: nothing builds on the trash, private threads stay private,
an excerpt's span never moves, and only curators decide proposals."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from accounts.services import user_set_roles, user_update
from cooperation.models import Annotation, RecordEvidence, StatusProposal
from cooperation.services import (
    annotation_create,
    annotation_delete,
    annotation_resolve,
    annotation_update,
    evidence_attach,
    recommendation_response_record,
    status_proposal_create,
    status_proposal_decide,
    tracked_delete,
    tracked_update,
)
from tests.factories import (
    AgreementFactory,
    ExcerptFactory,
    OrganisationFactory,
    PartnerFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db


def test_services_refuse_to_build_on_a_trashed_recommendation(curator, analyst):
    recommendation = tracked_delete(instance=RecommendationFactory(), user=curator)

    with pytest.raises(ValidationError, match="in the trash"):
        status_proposal_create(
            recommendation=recommendation, to_status="under_review", user=analyst, note="n"
        )
    with pytest.raises(ValidationError, match="in the trash"):
        recommendation_response_record(
            recommendation=recommendation,
            classification="accepted",
            responded_on=date(2025, 1, 2),
            user=analyst,
        )
    with pytest.raises(ValidationError, match="in the trash"):
        annotation_create(author=analyst, body="Still relevant?", record=recommendation)

    assert not StatusProposal.objects.exists()
    assert not recommendation.responses.exists()
    assert not Annotation.all_objects.exists()


def test_evidence_attach_refuses_a_trashed_record(curator):
    agreement = tracked_delete(instance=AgreementFactory(), user=curator)

    with pytest.raises(ValidationError, match="in the trash"):
        evidence_attach(record=agreement, excerpt=ExcerptFactory(), user=curator)

    assert not RecordEvidence.all_objects.exists()


def test_annotation_resolve_refuses_a_deleted_note(analyst):
    note = annotation_create(author=analyst, body="Check this", record=AgreementFactory())
    annotation_delete(annotation=note, user=analyst)

    with pytest.raises(ValidationError, match="deleted"):
        annotation_resolve(annotation=note, user=analyst)

    note.refresh_from_db()
    assert (note.resolved, note.version) == (False, 2)


def test_nobody_else_replies_to_a_private_note(analyst, other_analyst):
    private = annotation_create(
        author=analyst, body="My own reminder", record=AgreementFactory(), visibility="private"
    )

    with pytest.raises(PermissionDenied):
        annotation_create(
            author=other_analyst, body="I saw it", parent=private, visibility="private"
        )

    assert not private.replies.exists()


def test_a_reply_is_never_seen_more_widely_than_its_thread(analyst, other_analyst):
    team_note = annotation_create(
        author=analyst, body="Team only", record=AgreementFactory(), visibility="team"
    )

    with pytest.raises(ValidationError) as caught:
        annotation_create(
            author=other_analyst, body="Partners, look", parent=team_note, visibility="partners"
        )

    assert caught.value.message_dict == {
        "visibility": ["A reply cannot be seen more widely than the note it answers."]
    }
    reply = annotation_create(author=other_analyst, body="Agreed", parent=team_note)
    assert (reply.visibility, reply.spine_id) == ("team", team_note.spine_id)


def test_an_excerpts_span_and_selectors_cannot_be_edited(curator):
    excerpt = ExcerptFactory()

    for change in ({"start": 1}, {"prefix": "garbage"}, {"exact": "x"}, {"source": None}):
        with pytest.raises(ValidationError) as caught:
            tracked_update(instance=excerpt, user=curator, data=change, expected_version=1)
        [name] = change
        assert caught.value.message_dict == {
            name: ["This cannot change after creation; make a new one instead."]
        }

    updated = tracked_update(
        instance=excerpt, user=curator, data={"note": "The key clause"}, expected_version=1
    )
    assert (updated.note, updated.start, updated.end, updated.version) == (
        "The key clause",
        excerpt.start,
        excerpt.end,
        2,
    )


def test_an_analyst_can_neither_approve_nor_decline_a_proposal(analyst):
    proposal = status_proposal_create(
        recommendation=RecommendationFactory(), to_status="under_review", user=analyst, note="n"
    )

    for approve in (True, False):
        with pytest.raises(PermissionDenied):
            status_proposal_decide(proposal=proposal, user=analyst, approve=approve)

    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.decided_at) == ("open", None, None)


def test_annotation_update_needs_the_permission_even_for_the_author(analyst):
    note = annotation_create(author=analyst, body="Draft thought", record=AgreementFactory())
    user_set_roles(user=analyst, roles=[])  # e.g. the analyst has left the team
    analyst = User.objects.get(pk=analyst.pk)  # drop the cached permissions

    with pytest.raises(PermissionDenied):
        annotation_update(annotation=note, user=analyst, expected_version=1, body="Changed")

    note.refresh_from_db()
    assert (note.body, note.version) == ("Draft thought", 1)


def test_user_update_keeps_a_partner_in_an_organisation():
    partner = PartnerFactory(organisation=OrganisationFactory())

    with pytest.raises(ValidationError) as caught:
        user_update(user=partner, data={"organisation": None})

    assert caught.value.message_dict == {
        "organisation": ["A partner user must belong to an organisation."]
    }
    partner.refresh_from_db()
    assert partner.organisation is not None
