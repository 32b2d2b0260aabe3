"""Model rules: validation, database constraints, soft-delete managers, display strings."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cooperation.choices import RecommendationStatus
from cooperation.models import (
    Actor,
    Agreement,
    Annotation,
    Deal,
    Excerpt,
    RecommendationResponse,
    RecommendationStatusChange,
    RecordEvidence,
    StatusProposal,
)
from cooperation.services import annotation_create, evidence_attach, tracked_delete
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

pytestmark = pytest.mark.django_db


def _unsaved_excerpt(source, start, end, exact=None):
    return Excerpt(
        source=source,
        start=start,
        end=end,
        exact=source.text[start:end] if exact is None else exact,
    )


# -- Excerpt ------------------------------------------------------------------------------


def test_excerpt_clean_accepts_the_exact_slice_of_the_source():
    source = SourceFactory(text="India and Japan signed.")
    excerpt = _unsaved_excerpt(source, 0, 5)

    excerpt.full_clean()

    assert excerpt.exact == "India"


def test_excerpt_clean_refuses_a_quote_that_differs_from_the_source_text():
    source = SourceFactory(text="India and Japan signed.")

    with pytest.raises(ValidationError) as caught:
        _unsaved_excerpt(source, 0, 5, exact="Japan").full_clean()

    assert caught.value.message_dict == {
        "exact": ["The quote does not match the source text at that span."]
    }


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 2), (0, 999)])
def test_excerpt_clean_refuses_spans_outside_the_source_or_empty(start, end):
    source = SourceFactory(text="India and Japan signed.")

    with pytest.raises(ValidationError) as caught:
        _unsaved_excerpt(source, start, end, exact="x").full_clean()

    assert caught.value.message_dict["end"] == [
        "The span must lie inside the source (23 characters)."
    ]


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 2)])
def test_excerpt_database_refuses_end_not_after_start(start, end):
    source = SourceFactory(text="India and Japan signed.")

    with pytest.raises(IntegrityError), transaction.atomic():
        Excerpt.objects.bulk_create([Excerpt(source=source, start=start, end=end, exact="")])

    assert Excerpt.all_objects.count() == 0


def test_excerpt_full_clean_explains_a_span_that_is_already_an_excerpt():
    existing = ExcerptFactory(start=0, end=5)
    excerpt = _unsaved_excerpt(existing.source, 0, 5)

    with pytest.raises(ValidationError) as caught:
        excerpt.full_clean()

    assert caught.value.messages == ["This span of the source is already an excerpt."]


def test_excerpt_database_refuses_two_live_excerpts_of_one_span_but_allows_a_trashed_one():
    excerpt = ExcerptFactory(start=0, end=5)
    tracked_delete(instance=excerpt, user=None)

    again = Excerpt.objects.create(source=excerpt.source, start=0, end=5, exact=excerpt.exact)
    with pytest.raises(IntegrityError), transaction.atomic():
        Excerpt.objects.create(source=excerpt.source, start=0, end=5, exact=excerpt.exact)

    assert list(Excerpt.all_objects.order_by("pk").values_list("pk", flat=True)) == [
        excerpt.pk,
        again.pk,
    ]


def test_excerpt_str_shows_the_display_quote_in_curly_quotes_and_shortens_long_ones():
    source = SourceFactory(text="Short one. " + "x" * 100)
    short = ExcerptFactory(source=source, start=0, end=10)
    long = ExcerptFactory(source=source, start=11, end=111)

    assert str(short) == "“Short one.”"
    assert str(long) == "“" + "x" * 80 + "…”"


def test_excerpt_url_fragment_is_an_rfc5147_character_range():
    excerpt = ExcerptFactory(start=3, end=9)

    assert excerpt.url_fragment == "char=3,9"


def test_excerpt_display_quote_without_a_source_is_the_exact_quote():
    assert Excerpt(start=0, end=3, exact="abc").display_quote == "abc"


# -- Tracked: soft delete -------------------------------------------------------------------


def test_objects_hides_trashed_rows_and_all_objects_shows_them():
    kept, trashed = ActorFactory(name="India"), ActorFactory(name="Japan")
    tracked_delete(instance=trashed, user=None)

    assert list(Actor.objects.values_list("name", flat=True)) == ["India"]
    assert list(Actor.all_objects.values_list("name", flat=True)) == ["India", "Japan"]
    assert list(Actor.all_objects.live().values_list("pk", flat=True)) == [kept.pk]
    assert list(Actor.all_objects.deleted().values_list("pk", flat=True)) == [trashed.pk]
    assert Actor.all_objects.get(pk=trashed.pk).is_deleted is True
    assert Actor.objects.get(pk=kept.pk).is_deleted is False


def test_related_lookups_still_reach_trashed_rows_through_the_base_manager():
    excerpt = ExcerptFactory()
    source = excerpt.source
    tracked_delete(instance=source, user=None)

    reloaded = Excerpt.objects.get(pk=excerpt.pk)

    assert reloaded.source.pk == source.pk
    assert reloaded.source.is_deleted is True


# -- records --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "kind_label"),
    [
        (AgreementFactory, "Agreement"),
        (DealFactory, "Deal"),
        (ChallengeFactory, "Challenge"),
        (RecommendationFactory, "Recommendation"),
    ],
)
def test_record_str_is_its_title_and_kind_label_names_the_model(factory, kind_label):
    record = factory(title="Tokyo Declaration")

    assert str(record) == "Tokyo Declaration"
    assert record.kind_label == kind_label
    assert record.version == 1


def test_record_slug_is_unique_per_kind():
    AgreementFactory(slug="tokyo")

    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(title="Again", slug="tokyo", kind="agreement")


def test_deal_database_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.create(
            title="Backwards",
            slug="backwards",
            kind="acquisition",
            period_start=date(2024, 1, 2),
            period_end=date(2024, 1, 1),
        )

    assert Deal.all_objects.count() == 0


def test_deal_clean_refuses_a_period_that_ends_before_it_starts():
    deal = Deal(
        title="Backwards",
        slug="backwards",
        kind="acquisition",
        period_start=date(2024, 1, 2),
        period_end=date(2024, 1, 1),
    )

    with pytest.raises(ValidationError) as caught:
        deal.full_clean()

    assert caught.value.messages == ["The period must end on or after its start."]


def test_recommendation_status_starts_proposed_and_is_not_editable():
    recommendation = RecommendationFactory()

    assert recommendation.status == RecommendationStatus.PROPOSED
    assert recommendation._meta.get_field("status").editable is False


def test_live_evidence_links_leaves_out_detached_evidence():
    agreement = AgreementFactory()
    kept, detached = ExcerptFactory(), ExcerptFactory()
    evidence_attach(record=agreement, excerpt=kept, user=None)
    link = evidence_attach(record=agreement, excerpt=detached, user=None)
    tracked_delete(instance=link, user=None)

    assert [link.excerpt for link in agreement.live_evidence_links()] == [kept]
    assert RecordEvidence.all_objects.filter(spine_id=agreement.spine_id).count() == 2


def test_record_evidence_database_refuses_the_same_live_link_twice():
    agreement, excerpt = AgreementFactory(), ExcerptFactory()
    evidence_attach(record=agreement, excerpt=excerpt, user=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        RecordEvidence.objects.create(
            spine_id=agreement.spine_id,
            excerpt=excerpt,
        )


def test_record_evidence_str_names_the_quote_and_the_record():
    agreement = AgreementFactory()
    excerpt = ExcerptFactory(source=SourceFactory(text="Tokyo Declaration signed."), end=17)

    link = evidence_attach(record=agreement, excerpt=excerpt, user=None)

    assert str(link) == f"“Tokyo Declaration” → agreement #{agreement.pk}"


# -- annotations and tracking rows ------------------------------------------------------------


def test_annotation_database_refuses_a_note_without_a_target(analyst):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(author=analyst, body="Floating note")


def test_annotation_str_is_cut_to_80_characters_even_inside_one_long_word(analyst):
    agreement = AgreementFactory()
    note = annotation_create(author=analyst, record=agreement, body="  " + "y" * 90 + "\nmore")

    assert str(note) == "y" * 79 + "…"


def test_tracking_rows_str():
    recommendation = RecommendationFactory()
    change = RecommendationStatusChange(recommendation=recommendation, to_status="proposed")
    moved = RecommendationStatusChange(
        recommendation=recommendation, from_status="proposed", to_status="under_review"
    )
    proposal = StatusProposal(
        recommendation=recommendation, from_status="proposed", to_status="deferred"
    )
    response = RecommendationResponse(
        recommendation=recommendation,
        classification="accepted_with_comments",
        responded_on=date(2025, 2, 3),
    )

    assert str(change) == "— → proposed"
    assert str(moved) == "proposed → under_review"
    assert str(proposal) == "Proposal proposed → deferred (Open)"
    assert str(response) == "Accepted with comments (2025-02-03)"


def test_status_changes_are_ordered_by_time_within_a_recommendation():
    recommendation = RecommendationFactory()
    [initial] = recommendation.status_changes.all()
    later = RecommendationStatusChange.objects.create(
        recommendation=recommendation, to_status="under_review", note="b"
    )
    earlier = RecommendationStatusChange.objects.create(
        recommendation=recommendation,
        to_status="proposed",
        note="a",
        changed_at=timezone.now() - timezone.timedelta(days=1),
    )

    assert list(recommendation.status_changes.all()) == [earlier, initial, later]
    assert recommendation.status_changes.latest() == later


def test_actor_and_topic_str_is_their_name():
    assert str(ActorFactory(name="ATLA")) == "ATLA"
    assert str(TopicFactory(name="Hypersonics")) == "Hypersonics"


def test_source_str_is_its_title_and_reading_view_follows_its_furniture(seed_source):
    assert str(seed_source) == "India–Japan Strategic Cooperation: Future Contours"
    assert len(seed_source.furniture) == 2
    assert "include high cost, Japan" in seed_source.reading.text
