"""Annotations: notes on records and excerpts, threads, edits, soft delete, resolution."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.models import Annotation
from cooperation.services import (
    ConflictError,
    annotation_create,
    annotation_delete,
    annotation_resolve,
    annotation_undelete,
    annotation_update,
)
from cooperation.services.annotations import MAX_BODY_CHARS
from tests.factories import AgreementFactory, ExcerptFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return AgreementFactory()


@pytest.fixture
def thread(analyst, agreement):
    return annotation_create(author=analyst, record=agreement, body="Is this the 2015 text?")


# -- annotation_create ----------------------------------------------------------------------


def test_annotation_create_on_a_record_writes_one_history_row(analyst, agreement):
    note = annotation_create(
        author=analyst,
        record=agreement,
        body="  Check the **date**.  ",
        motivation=AnnotationMotivation.QUESTION,
        visibility=AnnotationVisibility.PARTNERS,
    )

    stored = Annotation.objects.get(pk=note.pk)
    assert stored.target_record == agreement
    assert stored.spine_id == agreement.spine_id
    assert (stored.body, stored.motivation, stored.visibility) == (
        "Check the **date**.",
        "question",
        "partners",
    )
    assert (stored.author, stored.version, stored.excerpt) == (analyst, 1, None)
    [row] = history_rows(stored)
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        analyst,
        "Created",
    )
    assert list(agreement.annotations.all()) == [stored]


def test_annotation_create_on_an_excerpt(analyst):
    excerpt = ExcerptFactory()

    note = annotation_create(author=analyst, excerpt=excerpt, body="Key sentence.")

    assert (note.excerpt, note.spine) == (excerpt, None)
    assert list(excerpt.annotations.all()) == [note]


def test_annotation_create_reply_inherits_the_thread_target(analyst, other_analyst, thread):
    reply = annotation_create(author=other_analyst, parent=thread, body="Yes, the 2015 one.")
    reply_to_reply = annotation_create(author=analyst, parent=reply, body="Thanks.")

    for note in (reply, reply_to_reply):
        stored = Annotation.objects.get(pk=note.pk)
        assert (stored.spine_id, stored.excerpt_id) == (thread.spine_id, None)
    assert reply.parent == thread
    assert reply_to_reply.parent == reply
    assert list(thread.replies.all()) == [reply]


def test_annotation_create_reply_on_an_excerpt_thread_inherits_the_excerpt(analyst):
    excerpt = ExcerptFactory()
    root = annotation_create(author=analyst, excerpt=excerpt, body="Why here?")

    reply = annotation_create(author=analyst, parent=root, body="Because.")

    assert (reply.excerpt, reply.spine) == (excerpt, None)


@pytest.mark.parametrize("targets", [{}, {"record": True, "excerpt": True}])
def test_annotation_create_needs_exactly_one_target(analyst, agreement, targets):
    kwargs = {}
    if targets.get("record"):
        kwargs["record"] = agreement
    if targets.get("excerpt"):
        kwargs["excerpt"] = ExcerptFactory()

    with pytest.raises(ValidationError, match="one record, one excerpt, or replies to one"):
        annotation_create(author=analyst, body="Note", **kwargs)

    assert Annotation.all_objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write something."), ("  \n ", "Write something."), ("x" * 20_001, "under 20,000")],
)
def test_annotation_create_refuses_an_empty_or_huge_body(analyst, agreement, body, message):
    with pytest.raises(ValidationError) as caught:
        annotation_create(author=analyst, record=agreement, body=body)

    assert message in caught.value.message_dict["body"][0]
    assert Annotation.all_objects.count() == 0


def test_annotation_create_accepts_a_body_at_the_limit(analyst, agreement):
    note = annotation_create(author=analyst, record=agreement, body="x" * MAX_BODY_CHARS)

    assert len(note.body) == MAX_BODY_CHARS


def test_annotation_create_refuses_a_reply_to_a_deleted_note(analyst, thread):
    annotation_delete(annotation=thread, user=analyst)
    thread.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        annotation_create(author=analyst, parent=thread, body="Too late.")

    assert caught.value.message_dict == {"parent": ["That note has been deleted."]}


def test_annotation_create_refuses_a_partner_without_permission(partner, agreement):
    with pytest.raises(PermissionDenied):
        annotation_create(author=partner, record=agreement, body="Hello")

    assert Annotation.all_objects.count() == 0


# -- annotation_update ----------------------------------------------------------------------


def test_annotation_update_by_the_author_bumps_the_version(analyst, thread):
    updated = annotation_update(
        annotation=thread,
        user=analyst,
        expected_version=1,
        body="Is this the 2014 text?",
        visibility=AnnotationVisibility.PRIVATE,
    )

    stored = Annotation.objects.get(pk=thread.pk)
    assert (stored.body, stored.visibility, stored.version) == (
        "Is this the 2014 text?",
        "private",
        2,
    )
    assert updated.version == 2
    newest, _ = history_rows(stored)
    assert (newest.history_type, newest.history_user, newest.history_change_reason) == (
        "~",
        analyst,
        "Edited",
    )


def test_annotation_update_that_changes_nothing_writes_nothing(analyst, thread):
    annotation_update(
        annotation=thread, user=analyst, expected_version=1, body="Is this the 2015 text?"
    )

    assert Annotation.objects.get(pk=thread.pk).version == 1
    assert len(history_rows(thread)) == 1


@pytest.mark.parametrize("editor", ["other_analyst", "curator"])
def test_annotation_update_refuses_anyone_but_the_author(request, thread, editor):
    user = request.getfixturevalue(editor)

    with pytest.raises(PermissionDenied, match="Only the author"):
        annotation_update(annotation=thread, user=user, expected_version=1, body="Rewritten")

    assert Annotation.objects.get(pk=thread.pk).body == "Is this the 2015 text?"


def test_annotation_update_with_a_stale_version_raises_conflict(analyst, thread):
    annotation_update(annotation=thread, user=analyst, expected_version=1, body="Second")

    with pytest.raises(ConflictError):
        annotation_update(annotation=thread, user=analyst, expected_version=1, body="Third")

    assert Annotation.objects.get(pk=thread.pk).body == "Second"


def test_annotation_update_refuses_a_deleted_note(analyst, thread):
    annotation_delete(annotation=thread, user=analyst)

    with pytest.raises(ValidationError, match="has been deleted"):
        annotation_update(annotation=thread, user=analyst, expected_version=2, body="Back?")


# -- annotation_delete ----------------------------------------------------------------------


def test_annotation_delete_is_soft_and_keeps_the_replies(analyst, other_analyst, thread):
    reply = annotation_create(author=other_analyst, parent=thread, body="A reply.")

    annotation_delete(annotation=thread, user=analyst)

    assert list(Annotation.objects.values_list("pk", flat=True)) == [reply.pk]
    stored = Annotation.all_objects.get(pk=thread.pk)
    assert stored.body == "Is this the 2015 text?"
    assert (stored.deleted_by, stored.version) == (analyst, 2)
    newest, _ = history_rows(stored)
    assert (newest.history_type, newest.history_change_reason) == ("-", "Deleted")


def test_annotation_delete_twice_writes_nothing_the_second_time(analyst, thread):
    annotation_delete(annotation=thread, user=analyst)

    annotation_delete(annotation=thread, user=analyst)

    assert len(history_rows(thread)) == 2


def test_annotation_delete_refuses_another_analyst_but_a_curator_may_moderate(
    other_analyst, curator, thread
):
    with pytest.raises(PermissionDenied):
        annotation_delete(annotation=thread, user=other_analyst)
    assert Annotation.objects.filter(pk=thread.pk).exists()

    annotation_delete(annotation=thread, user=curator)

    assert Annotation.all_objects.get(pk=thread.pk).deleted_by == curator


def test_annotation_undelete_brings_the_note_back_as_a_new_version(analyst, thread):
    annotation_delete(annotation=thread, user=analyst)
    restored = annotation_undelete(annotation=thread, user=analyst)
    assert not restored.is_deleted and restored.version == 3
    assert history_rows(restored)[0].history_change_reason == "Restored from trash"
    annotation_undelete(annotation=thread, user=analyst)  # live already: nothing written
    assert len(history_rows(restored)) == 3


def test_annotation_undelete_is_for_whoever_could_delete(analyst, other_analyst, curator, thread):
    annotation_delete(annotation=thread, user=analyst)
    with pytest.raises(PermissionDenied):
        annotation_undelete(annotation=thread, user=other_analyst)
    assert annotation_undelete(annotation=thread, user=curator).deleted_at is None


# -- annotation_resolve ---------------------------------------------------------------------


def test_annotation_resolve_marks_the_thread_and_reopen_clears_it(analyst, thread):
    annotation_resolve(annotation=thread, user=analyst)

    stored = Annotation.objects.get(pk=thread.pk)
    assert (stored.resolved, stored.resolved_by, stored.version) == (True, analyst, 2)
    assert stored.resolved_at is not None
    assert history_rows(stored)[0].history_change_reason == "Resolved"

    annotation_resolve(annotation=thread, user=analyst, resolved=False)

    stored = Annotation.objects.get(pk=thread.pk)
    assert (stored.resolved, stored.resolved_by, stored.resolved_at) == (False, None, None)
    assert history_rows(stored)[0].history_change_reason == "Reopened"


def test_annotation_resolve_refuses_a_reply(analyst, thread):
    reply = annotation_create(author=analyst, parent=thread, body="A reply.")

    with pytest.raises(ValidationError, match="from its first note"):
        annotation_resolve(annotation=reply, user=analyst)

    assert Annotation.objects.get(pk=reply.pk).resolved is False


def test_annotation_resolve_twice_writes_nothing_the_second_time(analyst, thread):
    annotation_resolve(annotation=thread, user=analyst)

    annotation_resolve(annotation=thread, user=analyst)

    assert Annotation.objects.get(pk=thread.pk).version == 2


def test_annotation_resolve_refuses_another_analyst_but_a_curator_may(
    other_analyst, curator, thread
):
    with pytest.raises(PermissionDenied):
        annotation_resolve(annotation=thread, user=other_analyst)
    assert Annotation.objects.get(pk=thread.pk).resolved is False

    annotation_resolve(annotation=thread, user=curator)

    assert Annotation.objects.get(pk=thread.pk).resolved_by == curator


def test_annotation_update_never_widens_a_reply_beyond_its_parent(analyst, agreement):
    root = annotation_create(author=analyst, record=agreement, body="Root", visibility="team")
    reply = annotation_create(author=analyst, parent=root, body="Reply", visibility="team")
    with pytest.raises(ValidationError) as refused:
        annotation_update(
            annotation=reply, user=analyst, expected_version=reply.version, visibility="partners"
        )
    assert "more widely" in str(refused.value)
    reply.refresh_from_db()
    assert reply.visibility == AnnotationVisibility.TEAM and reply.version == 1


def test_annotation_update_never_narrows_a_note_below_its_replies(analyst, agreement):
    root = annotation_create(author=analyst, record=agreement, body="Root", visibility="team")
    annotation_create(author=analyst, parent=root, body="Reply", visibility="team")
    with pytest.raises(ValidationError):
        annotation_update(
            annotation=root, user=analyst, expected_version=root.version, visibility="private"
        )
    widened = annotation_update(
        annotation=root, user=analyst, expected_version=root.version, visibility="partners"
    )
    assert widened.visibility == AnnotationVisibility.PARTNERS
