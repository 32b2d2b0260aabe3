"""Reads (cooperation/selectors.py): duplicate candidates and the home page summary."""

from __future__ import annotations

import pytest

from accounts.services import user_update
from cooperation.choices import AnnotationVisibility, RecommendationStatus, Visibility
from cooperation.models import Agreement, Challenge, Recommendation
from cooperation.selectors import (
    annotations_visible_to,
    duplicate_candidates,
    home_summary,
    internal_users,
    normalised_title,
)
from cooperation.services import (
    annotation_create,
    recommendation_transition,
    tracked_delete,
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
    UserFactory,
)

TRANSFER_AGREEMENT = (
    "India-Japan Agreement concerning the Transfer of Defence Equipment and Technology"
)


@pytest.mark.parametrize(
    ("title", "normalised"),
    [
        (TRANSFER_AGREEMENT, "india japan agreement transfer defence equipment technology"),
        ("The Tokyo Declaration (2014)", "tokyo declaration 2014"),
        ("  QUAD —  framework!  ", "quad framework"),
    ],
)
def test_normalised_title_drops_case_punctuation_and_filler_words(title, normalised):
    assert normalised_title(title) == normalised


@pytest.mark.django_db
def test_duplicate_candidates_finds_the_twice_named_agreement():
    first = AgreementFactory(title=TRANSFER_AGREEMENT)
    second = AgreementFactory(
        title="India Japan agreement on transfer of defence equipment & technology"
    )
    AgreementFactory(title="Tokyo Declaration for India-Japan Special Strategic Partnership")
    AgreementFactory(title="Japan's National Security Strategy (2022)")

    [pair] = duplicate_candidates(Agreement)

    assert (pair.first, pair.second, pair.similarity) == (first, second, 1.0)


@pytest.mark.django_db
def test_duplicate_candidates_finds_near_identical_titles_most_similar_first():
    us2 = ChallengeFactory(title="Acquisition of US-2 amphibious aircraft")
    us2_typo = ChallengeFactory(title="Acquisition of US-2 amphibous aircraft")
    cost = ChallengeFactory(title="High cost")
    cost_again = ChallengeFactory(title="High costs")
    ChallengeFactory(title="Infrastructure gap")

    pairs = duplicate_candidates(Challenge)

    assert [(p.first, p.second) for p in pairs] == [(us2, us2_typo), (cost, cost_again)]
    assert pairs[0].similarity > pairs[1].similarity >= 0.88
    assert all(p.similarity < 1 for p in pairs)


@pytest.mark.django_db
def test_duplicate_candidates_respects_the_threshold():
    ChallengeFactory(title="High cost")
    ChallengeFactory(title="High costs")

    assert duplicate_candidates(Challenge, threshold=0.99) == []
    assert len(duplicate_candidates(Challenge, threshold=0.5)) == 1


@pytest.mark.django_db
def test_duplicate_candidates_ignores_trashed_records_and_other_kinds(curator):
    AgreementFactory(title="Tokyo Declaration")
    trashed = AgreementFactory(title="The Tokyo Declaration")
    tracked_delete(instance=trashed, user=curator)
    DealFactory(title="Tokyo Declaration")

    assert duplicate_candidates(Agreement) == []


@pytest.mark.django_db
def test_home_summary_counts_live_records_by_kind_and_status(analyst, curator):
    AgreementFactory(visibility=Visibility.PUBLISHED)
    AgreementFactory(visibility=Visibility.INTERNAL)
    tracked_delete(instance=AgreementFactory(), user=curator)
    moved = RecommendationFactory()
    RecommendationFactory()
    recommendation_transition(
        recommendation=moved, to_status=RecommendationStatus.DEFERRED, user=curator, note="Later."
    )
    source = SourceFactory(title="A brief")
    ExcerptFactory(source=source, start=0, end=5)
    tracked_delete(instance=ExcerptFactory(source=source, start=6, end=9), user=curator)
    ActorFactory()
    TopicFactory()
    annotation_create(author=analyst, record=moved, body="Why deferred?")

    summary = home_summary(analyst)

    rows = {row["label"]: (row["total"], row["published"]) for row in summary["records"]}
    assert rows == {
        "Agreements": (2, 1),
        "Deals": (0, 0),
        "Challenges": (0, 0),
        "Recommendations": (2, 0),
    }
    statuses = {row["value"]: row["count"] for row in summary["recommendation_statuses"]}
    assert statuses == {
        **dict.fromkeys(RecommendationStatus.values, 0),
        "proposed": 1,
        "deferred": 1,
    }
    assert [(s.title, s.excerpt_count) for s in summary["sources"]] == [("A brief", 1)]
    assert (summary["actors"], summary["topics"], summary["annotations"]) == (1, 1, 1)
    assert Recommendation.objects.count() == 2


@pytest.mark.django_db
def test_annotations_visible_to_hides_other_peoples_private_notes(analyst, other_analyst, partner):
    record = AgreementFactory()
    mine_private = annotation_create(
        author=analyst, record=record, body="Mine.", visibility=AnnotationVisibility.PRIVATE
    )
    theirs_private = annotation_create(
        author=other_analyst, record=record, body="Theirs.", visibility=AnnotationVisibility.PRIVATE
    )
    team = annotation_create(author=other_analyst, record=record, body="Team.")
    for_partners = annotation_create(
        author=other_analyst, record=record, body="All.", visibility=AnnotationVisibility.PARTNERS
    )

    def visible(user):
        return set(annotations_visible_to(user).values_list("pk", flat=True))

    assert visible(analyst) == {mine_private.pk, team.pk, for_partners.pk}
    assert visible(other_analyst) == {theirs_private.pk, team.pk, for_partners.pk}
    assert visible(partner) == {for_partners.pk}


@pytest.mark.django_db
def test_internal_users_are_the_active_analysts_curators_and_admins(analyst, curator, partner):
    admin = UserFactory(roles=["admin"], full_name="Zed Admin")
    superuser = UserFactory(roles=[], is_superuser=True, full_name="Root")
    UserFactory(roles=[], full_name="Nobody")
    inactive = UserFactory(roles=["analyst"], full_name="Gone")
    user_update(user=inactive, data={"is_active": False})

    assert set(internal_users()) == {analyst, curator, admin, superuser}
