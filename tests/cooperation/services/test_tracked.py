"""Create, update, trash, undelete and restore any tracked object (services/tracked.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.choices import RecommendationStatus, Visibility
from cooperation.history import history_m2m_values
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Tag,
    Topic,
)
from cooperation.services import (
    ConflictError,
    annotation_create,
    evidence_attach,
    evidence_detach,
    recommendation_transition,
    tracked_create,
    tracked_delete,
    tracked_restore_version,
    tracked_undelete,
    tracked_update,
)
from tests.factories import (
    TEST_BASIS,
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    TagFactory,
    TopicFactory,
)
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

RELATED_FACTORIES = {
    Actor: ActorFactory,
    Topic: TopicFactory,
    Tag: TagFactory,
    Agreement: AgreementFactory,
    Deal: DealFactory,
    Challenge: ChallengeFactory,
}
RECORD_FACTORIES = {
    Agreement: AgreementFactory,
    Deal: DealFactory,
    Challenge: ChallengeFactory,
    Recommendation: RecommendationFactory,
}


def _pks(manager) -> list[int]:
    return sorted(manager.values_list("pk", flat=True))


# -- tracked_create -------------------------------------------------------------------------


def test_tracked_create_writes_one_history_row_with_the_user_and_reason(analyst):
    india, japan = ActorFactory(name="India"), ActorFactory(name="Japan")

    agreement = tracked_create(
        model=Agreement,
        user=analyst,
        data={
            "title": "Tokyo Declaration",
            "slug": "tokyo-declaration",
            "kind": "declaration",
            "actors": [india, japan],
            "parties": [india.pk],
        },
        reason="Typed in by hand",
        basis=TEST_BASIS,
    )

    agreement.refresh_from_db()
    assert (agreement.version, agreement.created_by, agreement.updated_by) == (1, analyst, analyst)
    assert agreement.visibility == Visibility.DRAFT
    [row] = history_rows(agreement)
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        analyst,
        "Typed in by hand",
    )
    assert history_m2m_values(row, "actors") == sorted([india.pk, japan.pk])
    assert history_m2m_values(row, "parties") == [india.pk]


def test_tracked_create_by_the_system_records_no_user():
    topic = tracked_create(model=Topic, user=None, data={"name": "Space", "slug": "space"})

    [row] = history_rows(topic)
    assert (row.history_user, row.history_change_reason, topic.created_by) == (
        None,
        "Created",
        None,
    )


@pytest.mark.parametrize(
    ("model", "data", "bad_field"),
    [
        (Agreement, {"title": "T", "slug": "t", "kind": "mou", "status": "x", "id": 9}, "id"),
        (Agreement, {"title": "T", "slug": "t", "kind": "mou", "version": 7}, "version"),
        (Agreement, {"title": "T", "slug": "t", "kind": "mou", "merged_into": None}, "merged_into"),
        (Topic, {"name": "T", "slug": "t", "deleted_at": None}, "deleted_at"),
    ],
)
def test_tracked_create_refuses_fields_that_only_services_set(analyst, model, data, bad_field):
    with pytest.raises(ValidationError) as caught:
        tracked_create(model=model, user=analyst, data=data)

    assert caught.value.message_dict == {bad_field: ["This field cannot be set here."]}
    assert model.all_objects.count() == 0
    assert model.history.count() == 0


def test_tracked_create_validates_and_writes_nothing_when_invalid(analyst):
    with pytest.raises(ValidationError) as caught:
        tracked_create(
            model=Agreement, user=analyst, data={"title": "", "slug": "x", "kind": "nonsense"}
        )

    assert set(caught.value.message_dict) == {"title", "kind"}
    assert Agreement.all_objects.count() == 0
    assert Agreement.history.count() == 0


def test_tracked_create_refuses_a_user_without_the_add_permission(partner):
    with pytest.raises(PermissionDenied):
        tracked_create(model=Agreement, user=partner, data={"title": "T", "slug": "t"})

    assert Agreement.all_objects.count() == 0


def test_tracked_create_refuses_an_inactive_user(analyst):
    analyst.is_active = False

    with pytest.raises(PermissionDenied):
        tracked_create(model=Topic, user=analyst, data={"name": "Space", "slug": "space"})


# -- tracked_update -------------------------------------------------------------------------


def test_tracked_update_bumps_the_version_and_writes_one_history_row(analyst, other_analyst):
    agreement = AgreementFactory(title="Old title", user=analyst)

    updated = tracked_update(
        instance=agreement,
        user=other_analyst,
        data={"title": "New title", "summary": "Now with a summary."},
        expected_version=1,
        reason="Fixed the title",
    )

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.summary, stored.version) == ("New title", "Now with a summary.", 2)
    assert updated.version == 2
    assert (stored.created_by, stored.updated_by) == (analyst, other_analyst)
    newest, first = history_rows(agreement)
    assert (newest.history_type, newest.history_user, newest.history_change_reason) == (
        "~",
        other_analyst,
        "Fixed the title",
    )
    assert (newest.title, first.title) == ("New title", "Old title")


def test_tracked_update_of_links_only_is_a_change(analyst):
    india, japan = ActorFactory(), ActorFactory()
    agreement = AgreementFactory(actors=[india])

    tracked_update(
        instance=agreement, user=analyst, data={"actors": [india, japan]}, expected_version=1
    )

    agreement.refresh_from_db()
    assert agreement.version == 2
    assert _pks(agreement.actors) == sorted([india.pk, japan.pk])
    assert history_m2m_values(history_rows(agreement)[0], "actors") == sorted([india.pk, japan.pk])


def test_tracked_update_that_changes_nothing_writes_nothing(analyst):
    india = ActorFactory()
    agreement = AgreementFactory(title="Same", actors=[india])

    result = tracked_update(
        instance=agreement,
        user=analyst,
        data={"title": "Same", "actors": [india.pk]},
        expected_version=1,
    )

    assert result.version == 1
    assert Agreement.objects.get(pk=agreement.pk).version == 1
    assert len(history_rows(agreement)) == 1


def test_tracked_update_of_the_same_date_given_as_text_writes_nothing(analyst):
    deal = DealFactory(period_start=date(2015, 12, 12))

    tracked_update(
        instance=deal, user=analyst, data={"period_start": "2015-12-12"}, expected_version=1
    )

    assert Deal.objects.get(pk=deal.pk).version == 1
    assert len(history_rows(deal)) == 1


def test_tracked_update_converts_text_values_before_saving(analyst):
    deal = DealFactory(period_start=date(2015, 12, 12))

    tracked_update(
        instance=deal,
        user=analyst,
        data={"period_start": "2016-01-31"},
        expected_version=1,
        basis=TEST_BASIS,
    )

    assert Deal.objects.get(pk=deal.pk).period_start == date(2016, 1, 31)
    with pytest.raises(ValidationError) as caught:
        tracked_update(
            instance=deal, user=analyst, data={"period_start": "31/01/2016"}, expected_version=2
        )
    assert list(caught.value.message_dict) == ["period_start"]


def test_tracked_update_with_a_stale_version_raises_conflict_and_changes_nothing(
    analyst, other_analyst
):
    agreement = AgreementFactory(title="Original")
    tracked_update(instance=agreement, user=analyst, data={"title": "First"}, expected_version=1)

    with pytest.raises(ConflictError) as caught:
        tracked_update(
            instance=agreement,
            user=other_analyst,
            data={"title": "Second"},
            expected_version=1,
        )

    assert (caught.value.expected, caught.value.current, caught.value.code) == (1, 2, "conflict")
    assert "your version 1, now version 2" in caught.value.messages[0]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.version) == ("First", 2)
    assert len(history_rows(agreement)) == 2


def test_tracked_update_without_an_expected_version_skips_the_check(analyst):
    agreement = AgreementFactory()
    tracked_update(instance=agreement, user=analyst, data={"title": "A"}, expected_version=None)

    tracked_update(instance=agreement, user=analyst, data={"title": "B"}, expected_version=None)

    assert Agreement.objects.get(pk=agreement.pk).version == 3


def test_tracked_update_refuses_a_trashed_object(analyst, curator):
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)

    with pytest.raises(ValidationError, match="in the trash"):
        tracked_update(instance=agreement, user=analyst, data={"title": "X"}, expected_version=2)

    assert Agreement.all_objects.get(pk=agreement.pk).title != "X"


def test_tracked_update_refuses_invalid_data_and_keeps_the_old_values(analyst):
    agreement = AgreementFactory(title="Kept")

    with pytest.raises(ValidationError):
        tracked_update(instance=agreement, user=analyst, data={"title": ""}, expected_version=1)

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.version, len(history_rows(stored))) == ("Kept", 1, 1)


def test_tracked_update_refuses_a_user_without_the_change_permission(partner):
    agreement = AgreementFactory(title="Kept")

    with pytest.raises(PermissionDenied):
        tracked_update(instance=agreement, user=partner, data={"title": "X"}, expected_version=1)

    assert Agreement.objects.get(pk=agreement.pk).title == "Kept"


# -- tracked_delete / tracked_undelete ------------------------------------------------------


def test_tracked_delete_moves_to_the_trash_with_one_history_row(curator):
    agreement = AgreementFactory()

    tracked_delete(instance=agreement, user=curator, expected_version=1)

    assert not Agreement.objects.filter(pk=agreement.pk).exists()
    stored = Agreement.all_objects.get(pk=agreement.pk)
    assert stored.deleted_at is not None
    assert (stored.deleted_by, stored.version) == (curator, 2)
    newest = history_rows(stored)[0]
    assert (newest.history_type, newest.history_user, newest.history_change_reason) == (
        "-",
        curator,
        "Moved to trash",
    )


def test_tracked_delete_twice_writes_nothing_the_second_time(curator):
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)

    tracked_delete(instance=agreement, user=curator)

    assert Agreement.all_objects.get(pk=agreement.pk).version == 2
    assert len(history_rows(agreement)) == 2


def test_tracked_delete_refuses_an_analyst(analyst):
    agreement = AgreementFactory()

    with pytest.raises(PermissionDenied):
        tracked_delete(instance=agreement, user=analyst)

    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_tracked_delete_with_a_stale_version_raises_conflict(analyst, curator):
    agreement = AgreementFactory()
    tracked_update(instance=agreement, user=analyst, data={"title": "Moved"}, expected_version=1)

    with pytest.raises(ConflictError):
        tracked_delete(instance=agreement, user=curator, expected_version=1)

    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_tracked_undelete_brings_an_object_back_from_the_trash(curator):
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)

    tracked_undelete(instance=agreement, user=curator)

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.deleted_at, stored.deleted_by, stored.version) == (None, None, 3)
    newest = history_rows(stored)[0]
    assert (newest.history_type, newest.history_change_reason) == ("~", "Restored from trash")


def test_tracked_undelete_of_a_live_object_writes_nothing(curator):
    agreement = AgreementFactory()

    tracked_undelete(instance=agreement, user=curator)

    assert Agreement.objects.get(pk=agreement.pk).version == 1
    assert len(history_rows(agreement)) == 1


def test_tracked_undelete_refuses_an_analyst(analyst, curator):
    agreement = AgreementFactory()
    tracked_delete(instance=agreement, user=curator)

    with pytest.raises(PermissionDenied):
        tracked_undelete(instance=agreement, user=analyst)

    assert Agreement.all_objects.get(pk=agreement.pk).is_deleted


# -- tracked_restore_version ----------------------------------------------------------------


def _links(model) -> dict:
    """Two fresh related objects for every many-to-many field the model snapshots."""
    links = {}
    for name in model.history_m2m_fields:
        factory = RELATED_FACTORIES[model._meta.get_field(name).related_model]
        links[name] = [factory(), factory()]
    return links


@pytest.mark.parametrize("model", list(RECORD_FACTORIES), ids=lambda m: m.__name__)
def test_tracked_restore_version_brings_back_fields_and_every_link_as_a_new_version(
    model, analyst, curator
):
    first_links, later_links = _links(model), _links(model)
    record = RECORD_FACTORIES[model](title="First title", summary="First summary", **first_links)
    first_row = history_rows(record)[0]
    tracked_update(
        instance=record,
        user=analyst,
        data={"title": "Later title", "summary": "Later summary", **later_links},
        expected_version=1,
        basis=TEST_BASIS,
    )

    restored = tracked_restore_version(
        instance=record, history_id=first_row.history_id, user=curator, expected_version=2
    )

    stored = model.objects.get(pk=record.pk)
    assert (stored.title, stored.summary, stored.version) == ("First title", "First summary", 3)
    assert restored.version == 3
    for name, values in first_links.items():
        assert _pks(getattr(stored, name)) == sorted(v.pk for v in values), name
    rows = history_rows(stored)
    assert len(rows) == 3  # the version in between stays in history
    assert rows[0].history_user == curator
    assert rows[0].history_change_reason.startswith("Restored the version of ")
    assert rows[1].title == "Later title"
    for name, values in first_links.items():
        assert history_m2m_values(rows[0], name) == sorted(v.pk for v in values), name


def test_tracked_restore_version_works_for_taxonomy_too(analyst, curator):
    actor = ActorFactory(name="Nippon", description="Old")
    first = history_rows(actor)[0]
    tracked_update(instance=actor, user=analyst, data={"name": "Japan"}, expected_version=1)

    tracked_restore_version(instance=actor, history_id=first.history_id, user=curator)

    assert Actor.objects.get(pk=actor.pk).name == "Nippon"


def test_tracked_restore_version_refuses_a_version_of_another_object(curator):
    one, other = AgreementFactory(title="One"), AgreementFactory(title="Other")

    with pytest.raises(ValidationError, match="does not belong"):
        tracked_restore_version(
            instance=one, history_id=history_rows(other)[0].history_id, user=curator
        )

    assert Agreement.objects.get(pk=one.pk).version == 1


def test_tracked_restore_version_refuses_an_analyst(analyst):
    agreement = AgreementFactory(title="First")
    first = history_rows(agreement)[0]
    tracked_update(instance=agreement, user=analyst, data={"title": "Later"}, expected_version=1)

    with pytest.raises(PermissionDenied):
        tracked_restore_version(instance=agreement, history_id=first.history_id, user=analyst)

    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.title, stored.version) == ("Later", 2)


def test_tracked_restore_version_with_a_stale_version_raises_conflict(analyst, curator):
    agreement = AgreementFactory(title="First")
    first = history_rows(agreement)[0]
    tracked_update(instance=agreement, user=analyst, data={"title": "Later"}, expected_version=1)

    with pytest.raises(ConflictError):
        tracked_restore_version(
            instance=agreement, history_id=first.history_id, user=curator, expected_version=1
        )

    assert Agreement.objects.get(pk=agreement.pk).title == "Later"


def test_tracked_restore_version_never_moves_a_recommendation_status(curator):
    recommendation = RecommendationFactory(title="First")
    first = history_rows(recommendation)[0]
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Taken up by the ministry.",
    )
    tracked_update(
        instance=recommendation, user=curator, data={"title": "Later"}, expected_version=2
    )

    tracked_restore_version(instance=recommendation, history_id=first.history_id, user=curator)

    stored = Recommendation.objects.get(pk=recommendation.pk)
    assert (stored.title, stored.version) == ("First", 4)
    assert stored.status == RecommendationStatus.UNDER_REVIEW
    assert stored.status_changes.latest().to_status == RecommendationStatus.UNDER_REVIEW


def test_tracked_restore_version_leaves_the_trash_state_alone(curator):
    agreement = AgreementFactory(title="First")
    first = history_rows(agreement)[0]
    tracked_delete(instance=agreement, user=curator)

    tracked_restore_version(instance=agreement, history_id=first.history_id, user=curator)

    assert Agreement.all_objects.get(pk=agreement.pk).is_deleted is True


# -- publishing is a curator's act, whichever service carries it ------------------------------


def test_tracked_create_refuses_an_analyst_creating_a_published_record(analyst, curator):
    data = {"title": "T", "slug": "t", "kind": "mou", "visibility": Visibility.PUBLISHED}

    with pytest.raises(PermissionDenied):
        tracked_create(model=Agreement, user=analyst, data=data, basis=TEST_BASIS)
    agreement = tracked_create(model=Agreement, user=curator, data=data, basis=TEST_BASIS)

    assert list(Agreement.objects.values_list("pk", "visibility")) == [
        (agreement.pk, Visibility.PUBLISHED)
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [(Visibility.INTERNAL, Visibility.PUBLISHED), (Visibility.PUBLISHED, Visibility.DRAFT)],
)
def test_tracked_update_refuses_an_analyst_moving_visibility_across_published(
    analyst, curator, before, after
):
    agreement = AgreementFactory(visibility=before)

    with pytest.raises(PermissionDenied):
        tracked_update(
            instance=agreement, user=analyst, data={"visibility": after}, expected_version=1
        )
    assert Agreement.objects.get(pk=agreement.pk).visibility == before

    tracked_update(instance=agreement, user=curator, data={"visibility": after}, expected_version=1)
    assert Agreement.objects.get(pk=agreement.pk).visibility == after


def test_tracked_update_lets_an_analyst_move_a_draft_to_internal(analyst):
    agreement = AgreementFactory(visibility=Visibility.DRAFT)

    tracked_update(
        instance=agreement,
        user=analyst,
        data={"visibility": Visibility.INTERNAL},
        expected_version=1,
    )

    assert Agreement.objects.get(pk=agreement.pk).visibility == Visibility.INTERNAL


# -- what the generic services refuse -------------------------------------------------------


def test_tracked_services_leave_annotations_to_their_own_services(analyst, curator):
    note = annotation_create(author=analyst, record=AgreementFactory(), body="Mine.")

    with pytest.raises(PermissionDenied):
        tracked_update(instance=note, user=analyst, data={"body": "Edited"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        tracked_create(model=Annotation, user=curator, data={"body": "x"})
    with pytest.raises(PermissionDenied):
        tracked_restore_version(
            instance=note, history_id=history_rows(note)[0].history_id, user=curator
        )

    assert Annotation.objects.get(pk=note.pk).body == "Mine."


def test_tracked_delete_refuses_an_excerpt_that_is_still_evidence(curator):
    excerpt = ExcerptFactory()
    link = evidence_attach(record=AgreementFactory(), excerpt=excerpt, user=curator)

    with pytest.raises(ValidationError) as caught:
        tracked_delete(instance=excerpt, user=curator)

    assert caught.value.messages == [
        "This excerpt is evidence for 1 record; detach it from them first."
    ]
    assert Excerpt.objects.filter(pk=excerpt.pk).exists()

    evidence_detach(link=link, user=curator)
    tracked_delete(instance=excerpt, user=curator)

    assert Excerpt.all_objects.get(pk=excerpt.pk).is_deleted
