"""The record spine (cooperation/models/spine.py): one row per record, kept by its one writer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from cooperation.choices import Visibility
from cooperation.models import (
    RECORD_MODELS,
    Agreement,
    Annotation,
    Deal,
    Recommendation,
    RecordEvidence,
    RecordSpine,
)
from cooperation.models.spine import spine_drift
from cooperation.selectors import api_annotations_visible_to, readable_record_q
from cooperation.services import (
    annotation_create,
    evidence_attach,
    tracked_delete,
    tracked_undelete,
    tracked_update,
)
from tests.factories import (
    TEST_BASIS,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db


def _copies(record) -> tuple:
    spine = RecordSpine.objects.get(pk=record.spine_id)
    return (
        spine.record_kind,
        spine.kind_id,
        spine.title,
        spine.slug,
        spine.visibility,
        spine.deleted_at,
    )


def _expected(record) -> tuple:
    record = type(record).all_objects.get(pk=record.pk)
    return (
        record._meta.model_name,
        record.pk,
        record.title,
        record.slug,
        record.visibility,
        record.deleted_at,
    )


@pytest.mark.parametrize(
    "factory", [AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory]
)
def test_every_kind_gets_its_spine_row_and_keeps_its_own_id(factory):
    first, second = factory(), factory()

    assert _copies(first) == _expected(first)
    assert _copies(second) == _expected(second)
    assert second.pk > first.pk  # the kind's own sequence, as partners' ids
    assert first.spine.kind_record == first


# Saves records straight through the model (the spine is what is tested), not the
# services that would claim their facts.
@pytest.mark.unbacked_facts
def test_kinds_ids_collide_but_their_spine_rows_do_not():
    agreement = AgreementFactory()
    # As on a fresh database, where each kind's ids start at 1 (saved directly: the
    # services never take an id).
    deal = Deal(id=agreement.pk, title="Same id", slug="same-id", kind="acquisition")
    deal.save()
    assert agreement.pk == deal.pk
    assert agreement.spine_id != deal.spine_id


def test_a_service_write_keeps_the_copies(curator):
    record = AgreementFactory(visibility=Visibility.DRAFT)
    record = tracked_update(
        instance=record,
        user=curator,
        data={"title": "Renamed", "visibility": Visibility.PUBLISHED},
        expected_version=record.version,
    )
    assert _copies(record)[2:5] == ("Renamed", record.slug, Visibility.PUBLISHED)

    trashed = tracked_delete(instance=record, user=curator)
    assert _copies(trashed)[5] is not None
    assert _copies(trashed) == _expected(trashed)
    restored = tracked_undelete(instance=trashed, user=curator)
    assert _copies(restored)[5] is None


# Saves records straight through the model (the spine is what is tested), not the
# services that would claim their facts.
@pytest.mark.unbacked_facts
def test_bulk_create_makes_the_spine_rows_too():
    rows = Agreement.objects.bulk_create(
        Agreement(title=f"Bulk {i}", slug=f"bulk-{i}", kind="declaration") for i in range(5)
    )
    for row in rows:
        assert _copies(row) == _expected(row)
    assert spine_drift() == []


def test_drift_is_found_when_a_copy_is_written_behind_the_spine():
    record = DealFactory(title="Before")
    Deal.objects.filter(pk=record.pk).update(title="After")  # what no code path may do

    assert spine_drift() == [("deal", record.pk)]
    record.refresh_from_db()
    record.save()  # the one writer puts it right
    assert spine_drift() == []


def test_the_database_refuses_a_link_to_no_record_and_a_spine_row_in_use():
    excerpt = ExcerptFactory()
    # Foreign keys are checked at commit (deferred), so ask the database for the check.
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordEvidence.objects.bulk_create([RecordEvidence(spine_id=987654, excerpt=excerpt)])
        connection.check_constraints(table_names=[RecordEvidence._meta.db_table])
    record = RecommendationFactory()
    evidence_attach(record=record, excerpt=excerpt, user=None)
    with pytest.raises(ProtectedError):
        RecordSpine.objects.filter(pk=record.spine_id).delete()


def test_notes_on_records_a_partner_may_read_are_one_join_for_every_kind(
    analyst, partner, django_assert_num_queries
):
    notes = {}
    for model in RECORD_MODELS:
        factory = {
            "agreement": AgreementFactory,
            "deal": DealFactory,
            "challenge": ChallengeFactory,
            "recommendation": RecommendationFactory,
        }[model._meta.model_name]
        for visibility in Visibility.values:
            record = factory(visibility=visibility)
            notes[(model, visibility)] = annotation_create(
                author=analyst, record=record, body="On it", visibility="partners"
            )
    trashed = AgreementFactory(visibility=Visibility.PUBLISHED)
    on_trashed = annotation_create(author=analyst, record=trashed, body="x", visibility="partners")
    tracked_delete(instance=trashed, user=None)

    api_annotations_visible_to(partner).exists()  # the partner's roles, read once a request
    with django_assert_num_queries(1) as captured:
        seen = set(api_annotations_visible_to(partner).values_list("pk", flat=True))
    assert seen == {note.pk for (model, vis), note in notes.items() if vis == Visibility.PUBLISHED}
    assert on_trashed.pk not in seen
    sql = captured.captured_queries[0]["sql"]
    assert "django_content_type" not in sql and "cooperation_recordspine" in sql
    assert Annotation.objects.filter(readable_record_q(partner)).count() == 4


def test_a_merge_moves_notes_to_the_kept_records_spine(curator, analyst):
    from cooperation.services import record_merge

    keep, duplicate = AgreementFactory(), AgreementFactory()
    note = annotation_create(author=analyst, record=duplicate, body="Same thing")

    record_merge(keep=keep, duplicate=duplicate, user=curator)

    assert Annotation.objects.get(pk=note.pk).spine_id == keep.spine_id
    assert Annotation.objects.get(pk=note.pk).target_record == keep


def test_recommendation_created_by_its_service_has_its_spine(curator):
    from cooperation.services import recommendation_create

    made = recommendation_create(
        user=curator, data={"title": "Do it", "slug": "do-it"}, basis=TEST_BASIS
    )
    assert _copies(made) == _expected(made)
    assert Recommendation.objects.filter(spine__record_kind="recommendation").count() == 1


# Saves records straight through the model (the spine is what is tested), not the
# services that would claim their facts.
@pytest.mark.unbacked_facts
@pytest.mark.django_db(transaction=True)
def test_a_retried_save_of_the_same_instance_makes_its_spine_row_anew():
    """A write retried after its transaction rolled back (a serialization failure, a lost
    connection) saves the same instance again: its spine row went with the rollback."""
    record = Agreement(title="Retried", slug="retried", kind="declaration")
    with pytest.raises(RuntimeError), transaction.atomic():
        record.save()
        raise RuntimeError  # the first attempt rolls back
    assert not RecordSpine.objects.filter(pk=record.spine_id).exists()

    with transaction.atomic():
        record.save()

    assert _copies(record) == _expected(record)
    assert spine_drift() == []
