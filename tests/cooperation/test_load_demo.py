"""`manage.py load_demo`: the seed brief and every record curated from it, once.

Counts are checked twice: against cooperation/demo/cenjows_2024.py (so the loader loads
all of the curated data) and against fixed numbers (so curated records cannot silently
disappear from the data file).
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from cooperation.choices import BasisKind, ClaimRank, RecommendationStatus, Visibility
from cooperation.claims_read import provenance_of
from cooperation.demo import cenjows_2024 as demo
from cooperation.importers.demo import resolve_evidence
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Agreement,
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
from cooperation.provenance import Basis, facts_now, is_empty
from cooperation.selectors import duplicate_candidates
from cooperation.services import evidence_detach, tracked_delete, tracked_update
from tests.utils import history_rows, model_counts

pytestmark = pytest.mark.django_db

DEMO_ITEMS = {
    Agreement: demo.AGREEMENTS,
    Deal: demo.DEALS,
    Challenge: demo.CHALLENGES,
    Recommendation: demo.RECOMMENDATIONS,
}
# Many-to-many fields of each record kind, and which table of demo slugs they name.
M2M_SLUG_FIELDS = {
    Agreement: ("actors", "topics", "parties"),
    Deal: ("actors", "topics", "governed_by"),
    Challenge: ("actors", "topics", "affects_deals", "affects_agreements"),
    Recommendation: ("actors", "topics", "addressed_to", "addresses"),
}
REASON = "Curated from GL/31/24 (demo brief)"
TRANSFER_AGREEMENT = (
    "India-Japan Agreement concerning the Transfer of Defence Equipment and Technology"
)


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for this module, in a transaction that is rolled back at its end.

    Each test runs in its own savepoint inside that transaction (pytest-django's `db`),
    so a test that edits or reloads the demo leaves the next test the pristine load.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = _load()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_loaded_once, db):
    return _loaded_once


def _brief_basis_specs(item: dict) -> list[dict]:
    """The evidence items of the brief that an item's values rest on."""
    return [spec for basis in item["basis"].values() for spec in basis.get("brief", [])]


def _source() -> Source:
    return Source.objects.get(reference_code=demo.SOURCE["reference_code"])


# -- complete -------------------------------------------------------------------------------


def test_load_demo_loads_every_curated_item(loaded):
    expected = {
        Source: 1,
        Actor: len(demo.ACTORS),
        Topic: len(demo.TOPICS),
        **{model: len(items) for model, items in DEMO_ITEMS.items()},
    }

    for model, count in expected.items():
        assert model.objects.count() == count, model.__name__
        assert model.history.count() == count, model.__name__  # one creation row each
    assert {m.__name__: m.objects.count() for m in expected} == {
        "Source": 1,
        "Actor": 14,
        "Topic": 21,
        "Agreement": 10,
        "Deal": 6,
        "Challenge": 10,
        "Recommendation": 7,
    }
    # 42 evidence links over 39 distinct passages: two passages back two records each, and
    # one passage states the party of two records (a brief basis's words are evidence too).
    assert (RecordEvidence.objects.count(), Excerpt.objects.count()) == (42, 39)
    assert RecommendationStatusChange.objects.count() == 7


def test_load_demo_stores_the_brief_exactly_with_its_metadata(loaded, seed_text):
    source = _source()

    assert source.text == seed_text
    assert (source.title, source.publisher, source.authors) == (
        demo.SOURCE["title"],
        demo.SOURCE["publisher"],
        demo.SOURCE["authors"],
    )
    assert (source.published_on, source.visibility) == (
        demo.SOURCE["published_on"],
        Visibility.PUBLISHED,
    )
    assert len(source.furniture) == 2


def test_load_demo_shows_progress(loaded):
    assert loaded.splitlines() == [
        "[1/7] Source: 1 created, 0 already present",
        "[2/7] Actors: 14 created, 0 already present",
        "[3/7] Topics: 21 created, 0 already present",
        "[4/7] Agreements: 10 created, 0 already present",
        "[5/7] Deals: 6 created, 0 already present",
        "[6/7] Challenges: 10 created, 0 already present",
        "[7/7] Recommendations: 7 created, 0 already present",
        "Evidence: 42 new links; 39 excerpts of the brief in all",
        "Loaded the demo brief: 111 new items.",
    ]


def test_load_demo_anchors_every_evidence_passage_of_every_record_exactly(loaded):
    source = _source()
    text = source.text

    for model, items in DEMO_ITEMS.items():
        for item in items:
            record = model.objects.get(slug=item["slug"])
            links = list(record.live_evidence_links())
            assert links, item["slug"]
            spans = sorted((link.excerpt.start, link.excerpt.end) for link in links)
            specs = [*item["evidence"], *_brief_basis_specs(item)]
            assert spans == sorted({resolve_evidence(text, spec) for spec in specs})
            for link in links:
                excerpt = link.excerpt
                assert excerpt.source_id == source.pk
                assert excerpt.exact == text[excerpt.start : excerpt.end]
                assert not excerpt.is_deleted


def test_load_demo_links_records_as_the_curated_data_says(loaded):
    for model, items in DEMO_ITEMS.items():
        for item in items:
            record = model.objects.get(slug=item["slug"])
            assert record.title == item["title"]
            assert record.visibility == Visibility.PUBLISHED
            for name in M2M_SLUG_FIELDS[model]:
                stored = sorted(getattr(record, name).values_list("slug", flat=True))
                assert stored == sorted(item[name]), f"{item['slug']}.{name}"


def test_load_demo_holds_the_failed_us2_and_soryu_deals(loaded):
    us2 = Deal.objects.get(system="US-2 amphibious aircraft")
    soryu = Deal.objects.get(system="Soryu-class submarine")

    for deal in (us2, soryu):
        assert (deal.status, deal.kind) == ("failed", "acquisition")
        assert (deal.supplier.slug, deal.recipient.slug) == ("japan", "india")
        assert "failed to materialise" in deal.live_evidence_links()[0].excerpt.exact
        assert sorted(deal.governed_by.values_list("slug", flat=True)) == [
            "india-japan-defence-equipment-transfer-agreement",
            "tokyo-declaration-2014",
        ]


def test_load_demo_holds_the_twice_named_agreement_once_with_two_excerpts(loaded):
    text = _source().text
    first = text.index(TRANSFER_AGREEMENT)
    second = text.index(TRANSFER_AGREEMENT, first + 1)

    [agreement] = Agreement.objects.filter(title__icontains="Agreement concerning the Transfer")

    spans = [(link.excerpt.start, link.excerpt.end) for link in agreement.live_evidence_links()]
    assert spans == [
        (first, first + len(TRANSFER_AGREEMENT)),
        (second, second + len(TRANSFER_AGREEMENT)),
    ]
    assert (agreement.kind, agreement.status) == ("agreement", "signed")
    assert duplicate_candidates(Agreement) == []


def test_load_demo_holds_every_challenge_the_brief_lists(loaded):
    listed = [
        "high cost",
        "Japan's export regulations",
        "long procurement procedure",
        "strict compliance and documentation",
        "lack of transfer of technology",
        "dependent on the US for military hardware",
        "mismatch in regional focus",
        "Infrastructure gap",
    ]

    quotes = [
        link.excerpt.display_quote
        for challenge in Challenge.objects.all()
        for link in challenge.live_evidence_links()
    ]

    for words in listed:
        assert any(words in quote for quote in quotes), words


def test_load_demo_high_cost_evidence_crosses_the_page_header(loaded):
    source = _source()
    header_start, header_end = source.furniture[1]

    [link] = Challenge.objects.get(slug="high-cost").live_evidence_links()

    excerpt = link.excerpt
    assert excerpt.start < header_start < header_end < excerpt.end
    assert excerpt.exact == source.text[excerpt.start : excerpt.end]
    assert "SR FELLOW" in excerpt.exact
    assert excerpt.display_quote == "Some of the challenges include high cost"


def test_load_demo_proposes_every_recommendation_with_an_initial_status_row(loaded):
    for recommendation in Recommendation.objects.all():
        assert recommendation.status == RecommendationStatus.PROPOSED
        [change] = recommendation.status_changes.all()
        assert (change.from_status, change.to_status) == ("", RecommendationStatus.PROPOSED)
        assert (change.note, change.changed_by) == ("Proposed in GL/31/24", None)
        # The first row cites the words of the brief that propose it.
        first_link = recommendation.evidence_links.order_by("pk").first()
        assert change.evidence_excerpt == first_link.excerpt


def test_load_demo_records_are_created_by_the_system_in_one_history_row(loaded):
    for model in RECORD_MODELS:
        for record in model.objects.all():
            [row] = history_rows(record)
            assert (row.history_type, row.history_user) == ("+", None)
            expected = "Proposed in GL/31/24" if model is Recommendation else REASON
            assert row.history_change_reason == expected
            assert record.version == 1


# -- idempotent -----------------------------------------------------------------------------


def test_load_demo_twice_changes_nothing(loaded):
    before = model_counts()
    versions = {
        model: dict(model.all_objects.values_list("pk", "version")) for model in RECORD_MODELS
    }

    output = _load()

    assert model_counts() == before
    assert before["cooperation.HistoricalAgreement"] == 10  # the snapshot covers history models
    for model in RECORD_MODELS:
        assert dict(model.all_objects.values_list("pk", "version")) == versions[model]
    assert output.splitlines()[0] == "[1/7] Source: 0 created, 1 already present"
    assert output.splitlines()[-2:] == [
        "Evidence: 0 new links; 39 excerpts of the brief in all",
        "The demo brief is already loaded; nothing changed.",
    ]


def test_load_demo_keeps_an_analysts_edit_to_a_demo_record(loaded, analyst):
    deal = Deal.objects.get(slug="us-2-amphibious-aircraft")
    tracked_update(
        instance=deal,
        user=analyst,
        data={"title": "US-2 for the Indian Navy", "status": "stalled"},
        expected_version=1,
        basis=Basis.judgement("Talks are said to continue"),
    )
    before = model_counts()

    _load()

    stored = Deal.objects.get(slug="us-2-amphibious-aircraft")
    assert (stored.title, stored.status, stored.version) == (
        "US-2 for the Indian Navy",
        "stalled",
        2,
    )
    assert model_counts() == before


def test_load_demo_leaves_a_trashed_demo_record_in_the_trash(loaded, curator):
    tracked_delete(instance=Challenge.objects.get(slug="high-cost"), user=curator)
    before = model_counts()

    _load()

    assert model_counts() == before
    assert not Challenge.objects.filter(slug="high-cost").exists()
    assert Challenge.all_objects.get(slug="high-cost").is_deleted


def test_load_demo_leaves_detached_evidence_detached(loaded, curator):
    agreement = Agreement.objects.get(slug="india-japan-defence-equipment-transfer-agreement")
    first, second = agreement.live_evidence_links()
    evidence_detach(link=second, user=curator)
    before = model_counts()

    _load()

    assert [link.pk for link in agreement.live_evidence_links()] == [first.pk]
    assert model_counts() == before


def test_load_demo_dates_each_recommendation_to_the_talk(loaded):
    """The brief's recommendations were made in the talk of 21 November 2024, whatever day
    the demo is loaded: their timelines say so, apart from when it was recorded."""
    firsts = RecommendationStatusChange.objects.filter(from_status="")
    assert firsts.exists()
    assert {(c.happened_on, c.happened_on_precision) for c in firsts} == {
        (date(2024, 11, 21), "day")
    }


# -- provenance: every factual value with its basis ------------------------------------------

KIND_ITEMS = {model._meta.model_name: items for model, items in DEMO_ITEMS.items()}
# How the brief names the actors its passages are the basis of a party or addressee for.
ACTOR_WORDS = {
    "india": ("India", "New Delhi"),
    "japan": ("Japan", "Tokyo"),
    "indian-defence-industry": ("Indian defence industries",),
}
# The brief's words for a status its passages are the basis of (what makes a passage say it).
STATUS_WORDS = {
    "failed": ("failed to materialise",),
    "delivering": ("initiated",),
    "in_force": ("adopts", "undergoing", "supports", "under its", "highlights", "framework"),
}


def _records_with_items():
    for model, items in DEMO_ITEMS.items():
        for item in items:
            yield model.objects.get(slug=item["slug"]), item


def _claims(record, name=None):
    rows = Claim.objects.filter(spine_id=record.spine_id).prefetch_related("excerpts")
    return rows.filter(field=name) if name else rows


def _value_words(record, name: str, value) -> list[tuple[str, ...]]:
    """Word groups the passage stating `record.name = value` must contain (one of each)."""
    model_field = type(record)._meta.get_field(name)
    if model_field.is_relation:
        ids = value if isinstance(value, list) else [value]
        slugs = Actor.objects.filter(pk__in=ids).values_list("slug", flat=True)
        return [ACTOR_WORDS[slug] for slug in slugs]
    if name == "status":
        return [STATUS_WORDS[value]]
    if name in ("system", "weapon_category"):
        words = value.replace("-", " ").split()
        return [(word.rstrip("s"),) for word in words if len(word) > 3]
    raise AssertionError(f"no test of the brief's words for {name}")


def test_load_demo_gives_every_factual_value_a_preferred_claim(loaded):
    for record, item in _records_with_items():
        facts = facts_now(record)
        valued = {name for name, value in facts.items() if not is_empty(value)}
        assert valued == set(item["basis"]), item["slug"]
        for name in valued:
            [claim] = _claims(record, name)
            assert (claim.rank, claim.value) == (ClaimRank.PREFERRED, facts[name]), name
            assert claim.created_by is None  # the system loaded it
        # No claim without a value, and none beside the preferred one.
        assert set(_claims(record).values_list("field", flat=True)) == valued
        assert provenance_of(record).keys() == valued


def test_load_demo_claims_each_value_on_the_basis_its_item_names(loaded):
    for record, item in _records_with_items():
        for name, spec in item["basis"].items():
            [(form, value)] = spec.items()
            [claim] = _claims(record, name)
            assert claim.basis == form, f"{item['slug']}.{name}"
            if form == "public_record":
                citation = demo.CITATIONS[value]
                assert claim.citation() == {
                    **citation,
                    "accessed": citation["accessed"].isoformat(),
                }
                assert claim.citation_url.startswith(("https://", "http://"))
                assert claim.citation_publisher and claim.citation_accessed
            elif form == "judgement":
                assert claim.reason == value


def test_load_demo_brief_claims_quote_the_words_that_state_their_value(loaded):
    text = _source().text
    checked = 0
    for record, item in _records_with_items():
        evidence = {link.excerpt_id for link in record.live_evidence_links()}
        for claim in _claims(record).filter(basis=BasisKind.BRIEF):
            specs = item["basis"][claim.field]["brief"]
            excerpts = list(claim.excerpts.all())
            assert sorted((e.start, e.end) for e in excerpts) == sorted(
                resolve_evidence(text, spec) for spec in specs
            )
            quoted = " ".join(text[e.start : e.end] for e in excerpts)
            assert all(e.exact == text[e.start : e.end] for e in excerpts)
            # The passages a value rests on are evidence for its record.
            assert {e.pk for e in excerpts} <= evidence
            for words in _value_words(record, claim.field, claim.value):
                assert any(w.lower() in quoted.lower() for w in words), (
                    f"{item['slug']}.{claim.field}: {words} not in {quoted!r}"
                )
            checked += 1
    assert checked >= 30


def test_load_demo_severities_and_priorities_are_reasoned_judgements(loaded):
    rows = Claim.objects.filter(field__in=("severity", "priority"))
    assert rows.count() == len(demo.CHALLENGES) + len(demo.RECOMMENDATIONS)
    for claim in rows:
        assert claim.basis == BasisKind.JUDGEMENT
        assert claim.reason.strip() and "\n" not in claim.reason
        assert not claim.excerpts.exists() and not claim.citation_title


def test_load_demo_dates_the_brief_does_not_give_are_cited_public_records(loaded):
    """The brief dates nothing to the day: every signing and entry-into-force date of the
    demo comes from a public record, cited with its title, publisher, URL and date read."""
    dated = Claim.objects.filter(field__in=("signed_on", "in_force_on"))
    assert dated.count() == 8
    assert set(dated.values_list("basis", flat=True)) == {BasisKind.PUBLIC_RECORD}


def test_load_demo_edit_without_a_basis_is_refused_and_changes_nothing(loaded, analyst):
    deal = Deal.objects.get(slug="us-2-amphibious-aircraft")

    with pytest.raises(ValidationError) as refused:
        tracked_update(instance=deal, user=analyst, data={"status": "stalled"}, expected_version=1)

    assert "status" in refused.value.message_dict
    deal.refresh_from_db()
    assert (deal.status, deal.version) == ("failed", 1)
