"""A page's note thread, read for staff by a statement compiled once per kind of target
(templatetags/annotations._thread_notes): every reader still gets exactly the notes they
may read on that target, with their own tags and edit marks, as the statement built for
them alone gives."""

from __future__ import annotations

import pytest

from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.services import annotation_create, annotation_delete, annotation_update
from cooperation.services.tags import tag_create
from cooperation.staff_statements import VIEWER
from cooperation.templatetags import annotations as thread
from portal import statements
from tests.factories import AgreementFactory, ExcerptFactory, partner_note_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_statements")]

PRIVATE, PARTNERS = AnnotationVisibility.PRIVATE, AnnotationVisibility.PARTNERS


@pytest.fixture
def built(monkeypatch):
    """The reader each thread statement was built for (the stand-in when it is kept)."""
    calls = []
    real = thread._thread_queryset

    def counting(target, user):
        calls.append(user.pk)
        return real(target, user)

    monkeypatch.setattr(thread, "_thread_queryset", counting)
    return calls


def _shown(notes) -> list[tuple]:
    return [
        (
            note.pk,
            note.body,
            note.author_id,
            note.is_deleted,
            note.was_edited,
            sorted(tag.name for tag in note.tags.all()),
        )
        for note in notes
    ]


def _ordinary(target, user) -> list[tuple]:
    notes = list(thread._thread_queryset(target, user))
    for note in notes:
        thread.fill_related(note, ["tags"])
    return _shown(notes)


@pytest.fixture
def world(analyst, other_analyst, curator, partner):
    first = AgreementFactory(title="First", visibility=Visibility.PUBLISHED)
    second = AgreementFactory(title="Second")
    excerpt = ExcerptFactory()
    urgent = tag_create(user=curator, name="Urgent")
    note = annotation_create(author=analyst, record=first, body="Which year?")
    annotation_update(
        annotation=note, user=analyst, expected_version=note.version, body="Which year, 2015?"
    )
    annotation_create(author=analyst, record=first, body="Mine alone", visibility=PRIVATE)
    annotation_create(author=other_analyst, record=first, body="Otto's alone", visibility=PRIVATE)
    tagged = annotation_create(
        author=curator, record=first, body="For partners", visibility=PARTNERS
    )
    annotation_update(
        annotation=tagged, user=curator, expected_version=tagged.version, tags=[urgent]
    )
    gone = annotation_create(author=other_analyst, record=first, body="Withdrawn")
    annotation_create(author=analyst, parent=gone, body="A reply to it")
    annotation_delete(annotation=gone, user=other_analyst)
    annotation_create(author=other_analyst, record=second, body="On the second")
    annotation_create(author=curator, excerpt=excerpt, body="On the excerpt")
    annotation_create(author=analyst, excerpt=excerpt, body="Mine on it", visibility=PRIVATE)
    partner_note_create(author=partner, record=first, body="The partner's", visibility=PARTNERS)
    return first, second, excerpt


def test_each_reader_gets_their_own_thread_from_one_statement_per_kind(
    built, world, analyst, other_analyst, curator
):
    pairs = [(reader, target) for reader in (analyst, other_analyst, curator) for target in world]
    kept = [_shown(thread._thread_notes(target, reader)) for reader, target in pairs]
    # Built once for records and once for excerpts, for the stand-in, never for a reader.
    assert built == [VIEWER, VIEWER]
    assert kept == [_ordinary(target, reader) for reader, target in pairs]
    assert all(kept)  # every reader sees some notes on every target


def test_private_notes_stay_their_authors(world, analyst, other_analyst):
    first, _, excerpt = world
    for reader, own, theirs in (
        (analyst, "Mine alone", "Otto's alone"),
        (other_analyst, "Otto's alone", "Mine alone"),
    ):
        bodies = [note.body for note in thread._thread_notes(first, reader)]
        assert own in bodies and theirs not in bodies
    assert "Mine on it" in [n.body for n in thread._thread_notes(excerpt, analyst)]
    assert "Mine on it" not in [n.body for n in thread._thread_notes(excerpt, other_analyst)]


def test_edits_tags_and_deleted_notes_come_through(world, curator):
    first, _, _ = world
    thread._thread_notes(first, curator)  # the statement is kept
    notes = {note.body: note for note in thread._thread_notes(first, curator)}
    assert notes["Which year, 2015?"].was_edited
    assert not notes["A reply to it"].was_edited
    assert [tag.name for tag in notes["For partners"].tags.all()] == ["Urgent"]
    assert notes["Withdrawn"].is_deleted  # kept for its reply, shown as deleted


def test_a_partner_never_reaches_a_kept_statement(world, partner, monkeypatch):
    first, _, _ = world

    def refuse(*args, **kwargs):
        raise AssertionError("a partner's thread must not be kept")

    monkeypatch.setattr(statements, "frozen", refuse)
    bodies = [note.body for note in thread._thread_notes(first, partner)]
    assert "The partner's" in bodies
    assert "Which year, 2015?" not in bodies  # a team note
