"""Writes that used to be wrapped in a transaction by a view, a form or a viewset.

Each is now one service function (issue 13: transactions only in services); these tests
hold that a refusal part-way leaves nothing behind and that a stale version moves nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cooperation.models import Agreement, Annotation, Excerpt, Recommendation, StatusProposal
from cooperation.services import (
    ConflictError,
    annotation_create,
    annotation_delete,
    annotation_edit,
    record_create,
    status_proposal_create,
    tracked_delete,
)
from cooperation.services.passages import excerpt_create_as_evidence, excerpt_create_with_note
from tests.factories import TEST_BASIS, AgreementFactory, ExcerptFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

RECORD = {"title": "Made here", "slug": "made-here", "summary": "s", "visibility": "internal"}
AGREEMENT = {**RECORD, "kind": "agreement", "status": "signed"}
DATA = {Agreement: AGREEMENT, Recommendation: {**RECORD, "priority": "medium"}}


def _span(source, words: str) -> dict:
    start = source.text.index(words)
    return {"source": source, "start": start, "end": start + len(words), "exact": words}


# -- record_create ------------------------------------------------------------------------------


def test_record_create_links_its_evidence_in_the_same_write(analyst):
    excerpt = ExcerptFactory()
    record = record_create(
        model=Agreement,
        user=analyst,
        data=AGREEMENT,
        evidence_excerpt=excerpt,
        evidence_note="n",
        basis=TEST_BASIS,
    )
    assert [(e.excerpt_id, e.note) for e in record.evidence_links.all()] == [(excerpt.pk, "n")]


@pytest.mark.parametrize("model", [Agreement, Recommendation])
def test_record_create_refused_evidence_leaves_no_record(analyst, curator, model):
    trashed = tracked_delete(instance=ExcerptFactory(), user=curator)
    with pytest.raises(ValidationError):
        record_create(model=model, user=analyst, data=DATA[model], evidence_excerpt=trashed)
    assert not model.all_objects.filter(slug="made-here").exists()


# -- passages -------------------------------------------------------------------------------------


def test_excerpt_create_as_evidence_refused_link_leaves_no_excerpt(analyst, curator, seed_source):
    record = tracked_delete(instance=AgreementFactory(), user=curator)
    before = Excerpt.all_objects.count()
    with pytest.raises(ValidationError):
        excerpt_create_as_evidence(
            **_span(seed_source, "Tokyo Declaration"), user=analyst, record=record
        )
    assert Excerpt.all_objects.count() == before


def test_excerpt_create_with_note_refused_note_leaves_no_excerpt(analyst, seed_source):
    before = Excerpt.all_objects.count()
    with pytest.raises(ValidationError):
        excerpt_create_with_note(
            **_span(seed_source, "Tokyo Declaration"),
            user=analyst,
            body="a note",
            motivation="comment",
            visibility="nobody-knows",
        )
    assert Excerpt.all_objects.count() == before


def test_excerpt_create_with_note_writes_both(analyst, seed_source):
    excerpt, note = excerpt_create_with_note(
        **_span(seed_source, "Tokyo Declaration"),
        user=analyst,
        body="a note",
        motivation="comment",
        visibility="team",
    )
    assert note.excerpt_id == excerpt.pk and excerpt.exact == "Tokyo Declaration"


# -- note edits at a version ---------------------------------------------------------------------


@pytest.fixture
def note(analyst):
    return annotation_create(author=analyst, record=AgreementFactory(), body="first")


def test_annotation_edit_changes_the_body_and_resolves_in_one_write(analyst, note):
    edited = annotation_edit(
        annotation=note, user=analyst, expected_version=note.version, body="second", resolved=True
    )
    stored = Annotation.objects.get(pk=note.pk)
    assert (stored.body, stored.resolved, stored.version) == ("second", True, edited.version)


def test_annotation_edit_at_a_stale_version_changes_nothing(analyst, note):
    with pytest.raises(ConflictError):
        annotation_edit(
            annotation=note, user=analyst, expected_version=note.version + 1, resolved=True
        )
    assert not Annotation.objects.get(pk=note.pk).resolved


def test_annotation_edit_refused_resolution_keeps_the_old_body(analyst, note):
    reply = annotation_create(author=analyst, parent=note, body="reply")
    with pytest.raises(ValidationError):
        annotation_edit(
            annotation=reply, user=analyst, expected_version=reply.version, body="x", resolved=True
        )
    assert Annotation.objects.get(pk=reply.pk).body == "reply"


def test_annotation_delete_at_a_stale_version_keeps_the_note(analyst, note):
    with pytest.raises(ConflictError):
        annotation_delete(annotation=note, user=analyst, expected_version=note.version + 1)
    assert Annotation.objects.filter(pk=note.pk).exists()
    annotation_delete(annotation=note, user=analyst, expected_version=note.version)
    assert not Annotation.objects.filter(pk=note.pk).exists()


# -- status proposals at a version ---------------------------------------------------------------


def test_status_proposal_create_at_a_stale_version_proposes_nothing(analyst):
    recommendation = RecommendationFactory()
    move = {
        "recommendation": recommendation,
        "to_status": "under_review",
        "user": analyst,
        "note": "ready",
    }
    with pytest.raises(ConflictError):
        status_proposal_create(**move, expected_version=recommendation.version + 1)
    assert not StatusProposal.objects.exists()
    status_proposal_create(**move, expected_version=recommendation.version)
    assert StatusProposal.objects.count() == 1
