"""generate_data: proportions, invariants and repeatability of the synthetic data."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from cooperation.choices import RECOMMENDATION_TRANSITIONS, RecommendationStatus, Visibility
from cooperation.claims_read import unbacked_facts
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Agreement,
    Annotation,
    Challenge,
    Claim,
    Deal,
    Excerpt,
    Recommendation,
    RecommendationStatusChange,
    RecordEvidence,
    Source,
    Topic,
)
from cooperation.synthetic.generator import synthetic_data_generate
from cooperation.text import CONTEXT_CHARS

N = 200
TRACKED = [*RECORD_MODELS, Source, Excerpt, RecordEvidence, Annotation, Actor, Topic, Claim]


@pytest.fixture
def generated(db):
    return synthetic_data_generate(records=N, seed=7)


def test_generate_data_splits_records_by_kind_exactly(generated):
    counts = {model: model.objects.count() for model in RECORD_MODELS}
    assert counts == {Agreement: 30, Deal: 40, Challenge: 50, Recommendation: 80}
    assert sum(generated.records.values()) == N


def test_generate_data_mixes_visibilities_mostly_published(generated):
    mix = Counter()
    for model in RECORD_MODELS:
        mix.update(model.objects.values_list("visibility", flat=True))
    assert set(mix) == set(Visibility.values)
    assert mix[Visibility.PUBLISHED] > mix[Visibility.INTERNAL] > mix[Visibility.DRAFT]


def test_generate_data_anchors_every_excerpt_exactly(generated):
    excerpts = Excerpt.objects.select_related("source")
    assert excerpts.count() > 0
    for excerpt in excerpts:
        text = excerpt.source.text
        assert excerpt.exact == text[excerpt.start : excerpt.end]
        assert excerpt.prefix == text[max(0, excerpt.start - CONTEXT_CHARS) : excerpt.start]
        assert excerpt.suffix == text[excerpt.end : excerpt.end + CONTEXT_CHARS]


def test_generate_data_gives_every_record_evidence_and_links(generated):
    for model in RECORD_MODELS:
        without = model.objects.filter(spine__evidence_links__isnull=True)
        assert not without.exists(), model
        assert not model.objects.filter(actors__isnull=True).exists(), model
    assert Deal.objects.filter(governed_by__isnull=False).exists()
    assert Challenge.objects.filter(affects_deals__isnull=False).exists()
    assert Recommendation.objects.filter(addresses__isnull=False).exists()


def test_generate_data_gives_every_fact_a_claim_resting_on_the_records_evidence(generated):
    assert generated.claims > N
    assert unbacked_facts() == []
    claim = Claim.objects.filter(field="status").first()
    record = claim.spine.kind_record
    cited = set(claim.excerpts.values_list("pk", flat=True))
    assert cited and cited <= set(record.evidence_links.values_list("excerpt_id", flat=True))


def test_generate_data_writes_one_history_row_per_version(generated):
    for model in TRACKED:
        versions = dict(model.all_objects.values_list("pk", "version"))
        rows = Counter(model.history.values_list("id", flat=True))
        assert {pk: rows[pk] for pk in versions} == versions, model


def test_generate_data_history_snapshots_links_and_status(generated):
    recommendation = Recommendation.objects.filter(version__gt=2).first()
    assert recommendation is not None
    latest = recommendation.history.order_by("-history_id").first()
    first = recommendation.history.order_by("history_id").first()
    assert latest.status == recommendation.status and latest.version == recommendation.version
    assert first.status == RecommendationStatus.PROPOSED and first.version == 1
    actors = sorted(recommendation.actors.values_list("pk", flat=True))
    assert sorted(latest.actors.values_list("actor_id", flat=True)) == actors
    assert sorted(first.actors.values_list("actor_id", flat=True)) == actors


def test_generate_data_status_changes_follow_the_transition_table(generated):
    moved = 0
    for recommendation in Recommendation.objects.all():
        changes = list(RecommendationStatusChange.objects.filter(recommendation=recommendation))
        assert changes[0].from_status == "" and changes[0].to_status == "proposed"
        for before, after in pairwise(changes):
            assert after.from_status == before.to_status
            assert after.to_status in RECOMMENDATION_TRANSITIONS[after.from_status]
        assert changes[-1].to_status == recommendation.status
        assert recommendation.version == len(changes)
        moved += len(changes) > 1
    assert moved > 0


def test_generate_data_writes_threads_whose_replies_stay_as_private(generated):
    replies = Annotation.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    assert Annotation.objects.filter(parent__isnull=True).count() > replies.count()
    for reply in replies:
        assert reply.visibility == reply.parent.visibility
        assert (reply.spine_id,) == (reply.parent.spine_id,)


def test_generate_data_second_run_adds_more_without_clashes(generated):
    before = {model: model.objects.count() for model in RECORD_MODELS}
    synthetic_data_generate(records=N, seed=7)
    for model in RECORD_MODELS:
        assert model.objects.count() == 2 * before[model]
        assert model.objects.values("slug").distinct().count() == 2 * before[model]
    assert Actor.objects.count() == len(set(Actor.objects.values_list("name", flat=True)))


def test_generate_data_same_seed_writes_same_records(db):
    def titles(seed):
        with transaction.atomic():
            synthetic_data_generate(records=40, seed=seed)
            found = list(Recommendation.objects.order_by("pk").values_list("title", "status"))
            transaction.set_rollback(True)
        return found

    assert titles(3) == titles(3)
    assert titles(3) != titles(4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--records", "0"], "records: Give between 1 and 1,000,000 records."),
        (["--records", "2000000"], "records: Give between 1 and 1,000,000 records."),
        (["--records", "5", "--seed", "-1"], "seed: The seed must be a whole number of 0 or more."),
    ],
)
def test_generate_data_refuses_bad_arguments_and_writes_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_data", *args, "--no-progress")
    assert not Source.objects.exists()
