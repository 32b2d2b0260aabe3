"""Publishing and merging records (cooperation/services/records.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import Visibility
from cooperation.history import history_m2m_values
from cooperation.models import (
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Recommendation,
    RecordEvidence,
)
from cooperation.services import (
    ConflictError,
    annotation_create,
    evidence_attach,
    record_merge,
    record_publish,
    record_set_visibility,
    record_unpublish,
    tracked_delete,
    tracked_update,
)
from tests.factories import (
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)
from tests.utils import history_rows

pytestmark = pytest.mark.django_db


def _pks(manager) -> list[int]:
    return sorted(manager.values_list("pk", flat=True))


# -- publish / unpublish / set visibility ---------------------------------------------------


@pytest.mark.parametrize(
    "factory", [AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory]
)
def test_record_publish_by_a_curator_writes_one_history_row(curator, factory):
    record = factory(visibility=Visibility.INTERNAL)

    record_publish(record=record, user=curator)

    stored = type(record).objects.get(pk=record.pk)
    assert (stored.visibility, stored.version) == (Visibility.PUBLISHED, 2)
    newest, _ = history_rows(stored)
    assert (newest.history_user, newest.history_change_reason) == (
        curator,
        "Visibility Internal → Published",
    )


def test_record_publish_refuses_an_analyst_and_writes_nothing(analyst):
    agreement = AgreementFactory(visibility=Visibility.INTERNAL)

    with pytest.raises(PermissionDenied):
        record_publish(record=agreement, user=analyst)

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.visibility, stored.version, len(history_rows(stored))) == (
        Visibility.INTERNAL,
        1,
        1,
    )


def test_record_unpublish_refuses_an_analyst_and_a_curator_may(analyst, curator):
    agreement = AgreementFactory(visibility=Visibility.PUBLISHED)

    with pytest.raises(PermissionDenied):
        record_unpublish(record=agreement, user=analyst)
    assert Agreement.objects.get(pk=agreement.pk).visibility == Visibility.PUBLISHED

    record_unpublish(record=agreement, user=curator)
    assert Agreement.objects.get(pk=agreement.pk).visibility == Visibility.INTERNAL


def test_record_set_visibility_lets_an_analyst_move_between_draft_and_internal(analyst):
    agreement = AgreementFactory(visibility=Visibility.DRAFT)

    record_set_visibility(record=agreement, user=analyst, visibility=Visibility.INTERNAL)

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.visibility, stored.version) == (Visibility.INTERNAL, 2)
    assert history_rows(stored)[0].history_user == analyst


def test_record_publish_of_a_published_record_writes_nothing(curator):
    agreement = AgreementFactory(visibility=Visibility.PUBLISHED)

    record_publish(record=agreement, user=curator)

    assert Agreement.objects.get(pk=agreement.pk).version == 1
    assert len(history_rows(agreement)) == 1


def test_record_set_visibility_refuses_an_unknown_visibility(curator):
    agreement = AgreementFactory()

    with pytest.raises(ValidationError) as caught:
        record_set_visibility(record=agreement, user=curator, visibility="secret")

    assert caught.value.message_dict == {"visibility": ["Unknown visibility 'secret'."]}


def test_record_publish_refuses_a_trashed_record(curator):
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)

    with pytest.raises(ValidationError, match="in the trash"):
        record_publish(record=agreement, user=curator)

    assert Agreement.all_objects.get(pk=agreement.pk).visibility == Visibility.INTERNAL


def test_record_set_visibility_with_a_stale_version_raises_conflict(analyst, curator):
    agreement = AgreementFactory()
    tracked_update(instance=agreement, user=analyst, data={"title": "Edited"}, expected_version=1)

    with pytest.raises(ConflictError):
        record_set_visibility(
            record=agreement,
            user=curator,
            visibility=Visibility.PUBLISHED,
            expected_version=1,
        )

    assert Agreement.objects.get(pk=agreement.pk).visibility == Visibility.INTERNAL


# -- record_merge ---------------------------------------------------------------------------


@pytest.fixture
def duplicate_pair(analyst):
    """The brief's twice-named agreement entered twice, each with its own links and evidence."""
    india, japan, us = ActorFactory(name="India"), ActorFactory(name="Japan"), ActorFactory()
    transfer, exports = TopicFactory(), TopicFactory()
    keep = AgreementFactory(
        title="India-Japan Agreement concerning the Transfer of Defence Equipment and Technology",
        summary="Bilateral transfer agreement.",
        actors=[india],
        topics=[transfer],
        parties=[india, japan],
    )
    duplicate = AgreementFactory(
        title="India Japan agreement on transfer of defence equipment & technology",
        summary="Named a second time in the same sentence.",
        actors=[japan, us],
        topics=[exports],
        parties=[japan],
    )
    source = SourceFactory(text="first mention; second mention; a third passage.")
    shared = ExcerptFactory(source=source, start=0, end=13)
    own = ExcerptFactory(source=source, start=15, end=29)
    evidence_attach(record=keep, excerpt=shared, user=analyst)
    evidence_attach(record=duplicate, excerpt=shared, user=analyst)
    evidence_attach(record=duplicate, excerpt=own, user=analyst, note="second mention")
    thread = annotation_create(author=analyst, record=duplicate, body="Is this the same one?")
    reply = annotation_create(author=analyst, parent=thread, body="Yes: a drafting slip.")
    return {
        "keep": keep,
        "duplicate": duplicate,
        "actors": (india, japan, us),
        "topics": (transfer, exports),
        "excerpts": (shared, own),
        "notes": (thread, reply),
    }


def test_record_merge_moves_links_evidence_and_notes_and_trashes_the_duplicate(
    curator, duplicate_pair
):
    keep, duplicate = duplicate_pair["keep"], duplicate_pair["duplicate"]
    india, japan, us = duplicate_pair["actors"]
    shared, own = duplicate_pair["excerpts"]

    result = record_merge(keep=keep, duplicate=duplicate, user=curator)

    assert result.pk == keep.pk
    kept = Agreement.objects.get(pk=keep.pk)
    assert _pks(kept.actors) == sorted([india.pk, japan.pk, us.pk])
    assert _pks(kept.topics) == sorted(t.pk for t in duplicate_pair["topics"])
    assert _pks(kept.parties) == sorted([india.pk, japan.pk])
    assert kept.summary == (
        "Bilateral transfer agreement.\n\nNamed a second time in the same sentence."
    )
    assert sorted(link.excerpt_id for link in kept.live_evidence_links()) == sorted(
        [shared.pk, own.pk]
    )
    moved_link = RecordEvidence.objects.get(
        spine_id=keep.spine_id,
        excerpt=own,
    )
    assert moved_link.note == "second mention"
    assert sorted(
        Annotation.objects.filter(spine_id=keep.spine_id).values_list("pk", flat=True)
    ) == (sorted(note.pk for note in duplicate_pair["notes"]))
    gone = Agreement.all_objects.get(pk=duplicate.pk)
    assert gone.is_deleted
    assert (gone.merged_into, gone.deleted_by) == (kept, curator)
    assert not Agreement.objects.filter(pk=duplicate.pk).exists()


def test_record_merge_writes_one_history_row_for_each_record(curator, duplicate_pair):
    keep, duplicate = duplicate_pair["keep"], duplicate_pair["duplicate"]

    record_merge(keep=keep, duplicate=duplicate, user=curator)

    keep_rows, duplicate_rows = history_rows(keep), history_rows(duplicate)
    assert (len(keep_rows), len(duplicate_rows)) == (2, 2)
    assert (keep_rows[0].history_type, keep_rows[0].history_change_reason) == (
        "~",
        f"Merged duplicate #{duplicate.pk}",
    )
    assert (duplicate_rows[0].history_type, duplicate_rows[0].history_change_reason) == (
        "-",
        f"Merged into #{keep.pk}",
    )
    assert keep_rows[0].history_user == duplicate_rows[0].history_user == curator
    assert history_m2m_values(keep_rows[0], "actors") == sorted(
        a.pk for a in duplicate_pair["actors"]
    )
    assert Agreement.all_objects.get(pk=keep.pk).version == 2


def test_record_merge_refuses_an_analyst_and_changes_nothing(analyst, duplicate_pair):
    keep, duplicate = duplicate_pair["keep"], duplicate_pair["duplicate"]

    with pytest.raises(PermissionDenied):
        record_merge(keep=keep, duplicate=duplicate, user=analyst)

    assert Agreement.objects.filter(pk=duplicate.pk).exists()
    assert Agreement.objects.get(pk=keep.pk).version == 1
    assert Annotation.objects.filter(spine_id=duplicate.spine_id).count() == 2


def test_record_merge_refuses_records_of_different_kinds(curator):
    with pytest.raises(ValidationError, match="same kind"):
        record_merge(keep=AgreementFactory(), duplicate=ChallengeFactory(), user=curator)

    assert Challenge.objects.count() == 1


def test_record_merge_refuses_a_record_into_itself(curator):
    agreement = AgreementFactory()

    with pytest.raises(ValidationError, match="into itself"):
        record_merge(keep=agreement, duplicate=agreement, user=curator)

    assert Agreement.objects.get(pk=agreement.pk).version == 1


def test_record_merge_refuses_a_trashed_record(curator):
    keep, duplicate = AgreementFactory(), AgreementFactory()
    tracked_delete(instance=duplicate, user=curator)

    with pytest.raises(ValidationError, match="trash"):
        record_merge(keep=keep, duplicate=duplicate, user=curator)

    assert Agreement.all_objects.get(pk=duplicate.pk).merged_into is None


def test_record_merge_moves_links_other_records_hold_to_the_duplicate(curator):
    keep, duplicate = ChallengeFactory(title="High cost"), ChallengeFactory(title="High costs")
    other = ChallengeFactory()
    recommendation = RecommendationFactory(addresses=[duplicate, other])
    both = RecommendationFactory(addresses=[keep, duplicate])

    record_merge(keep=keep, duplicate=duplicate, user=curator)

    assert _pks(Recommendation.objects.get(pk=recommendation.pk).addresses) == sorted(
        [keep.pk, other.pk]
    )
    assert _pks(Recommendation.objects.get(pk=both.pk).addresses) == [keep.pk]
    newest = history_rows(recommendation)[0]
    assert (newest.history_user, newest.history_change_reason) == (
        curator,
        f"Link moved from merged duplicate #{duplicate.pk}",
    )
    assert history_m2m_values(newest, "addresses") == sorted([keep.pk, other.pk])


def test_record_merge_moves_a_deal_governed_by_the_duplicate_agreement(curator):
    keep, duplicate = AgreementFactory(), AgreementFactory()
    deal = DealFactory(governed_by=[duplicate])

    record_merge(keep=keep, duplicate=duplicate, user=curator)

    assert _pks(Deal.objects.get(pk=deal.pk).governed_by) == [keep.pk]
    assert Deal.objects.get(pk=deal.pk).version == 2


def test_record_merge_records_each_moved_note_in_its_history(curator, duplicate_pair):
    keep, duplicate = duplicate_pair["keep"], duplicate_pair["duplicate"]

    record_merge(keep=keep, duplicate=duplicate, user=curator)

    for note in duplicate_pair["notes"]:
        newest, created = history_rows(note)
        assert (newest.spine_id, created.spine_id) == (keep.spine_id, duplicate.spine_id)
        assert newest.history_change_reason == f"Moved with merge into #{keep.pk}"
        assert Annotation.objects.get(pk=note.pk).version == 2


def test_record_set_visibility_checks_the_stored_visibility_not_a_stale_copy(analyst, curator):
    agreement = AgreementFactory(visibility=Visibility.INTERNAL)
    stale_copy = Agreement.objects.get(pk=agreement.pk)
    record_publish(record=agreement, user=curator)

    with pytest.raises(PermissionDenied):
        record_set_visibility(record=stale_copy, user=analyst, visibility=Visibility.DRAFT)

    assert Agreement.objects.get(pk=agreement.pk).visibility == Visibility.PUBLISHED
