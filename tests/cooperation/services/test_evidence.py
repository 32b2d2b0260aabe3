"""Excerpts and evidence links (cooperation/services/evidence.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.models import Excerpt, RecordEvidence
from cooperation.services import (
    evidence_attach,
    evidence_detach,
    excerpt_create,
    excerpt_create_from_quote,
    tracked_delete,
)
from cooperation.text import CONTEXT_CHARS
from tests.factories import AgreementFactory, ExcerptFactory, SourceFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

TRANSFER_AGREEMENT = (
    "India-Japan Agreement concerning the Transfer of Defence Equipment and Technology"
)


# -- excerpt_create -------------------------------------------------------------------------


def test_excerpt_create_stores_both_selectors_and_one_history_row(analyst, seed_source):
    text = seed_source.text
    start = text.index("Tokyo Declaration")
    end = start + len("Tokyo Declaration")

    excerpt = excerpt_create(source=seed_source, start=start, end=end, user=analyst, note="why")

    stored = Excerpt.objects.get(pk=excerpt.pk)
    assert (stored.start, stored.end, stored.exact) == (start, end, "Tokyo Declaration")
    assert stored.prefix == text[start - CONTEXT_CHARS : start]
    assert stored.suffix == text[end : end + CONTEXT_CHARS]
    assert (stored.note, stored.version, stored.created_by) == ("why", 1, analyst)
    [row] = history_rows(stored)
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        analyst,
        "Created",
    )


def test_excerpt_create_reuses_the_live_excerpt_of_the_same_span(analyst, curator):
    source = SourceFactory()
    first = excerpt_create(source=source, start=0, end=5, user=analyst)

    again = excerpt_create(source=source, start=0, end=5, user=curator)

    assert again.pk == first.pk
    assert Excerpt.all_objects.count() == 1
    assert len(history_rows(first)) == 1


def test_excerpt_create_accepts_selectors_that_agree_with_the_text(analyst):
    source = SourceFactory(text="Before the quote. THE QUOTE. After the quote.")

    excerpt = excerpt_create(
        source=source,
        start=18,
        end=28,
        user=analyst,
        exact="THE QUOTE.",
        prefix="quote. ",  # shorter context than kept: must still agree
        suffix=" After",
    )

    assert excerpt.exact == "THE QUOTE."


@pytest.mark.parametrize(
    ("selectors", "field"),
    [
        ({"exact": "THE QUOTA."}, "exact"),
        ({"prefix": "Unrelated "}, "prefix"),
        ({"suffix": " Before"}, "suffix"),
    ],
)
def test_excerpt_create_refuses_selectors_that_disagree_with_the_text(analyst, selectors, field):
    source = SourceFactory(text="Before the quote. THE QUOTE. After the quote.")

    with pytest.raises(ValidationError) as caught:
        excerpt_create(source=source, start=18, end=28, user=analyst, **selectors)

    assert list(caught.value.message_dict) == [field]
    assert Excerpt.all_objects.count() == 0
    assert Excerpt.history.count() == 0


@pytest.mark.parametrize(("start", "end"), [(5, 5), (9, 3), (-1, 4), (0, 10_000), ("a", 3)])
def test_excerpt_create_refuses_spans_that_are_empty_or_outside(analyst, start, end):
    source = SourceFactory()

    with pytest.raises(ValidationError) as caught:
        excerpt_create(source=source, start=start, end=end, user=analyst)

    assert list(caught.value.message_dict) == ["start"]
    assert Excerpt.all_objects.count() == 0


def test_excerpt_create_refuses_a_partner(partner):
    source = SourceFactory()

    with pytest.raises(PermissionDenied):
        excerpt_create(source=source, start=0, end=5, user=partner)

    assert Excerpt.all_objects.count() == 0


def test_excerpt_create_after_the_span_was_trashed_makes_a_new_excerpt(analyst, curator):
    source = SourceFactory()
    old = excerpt_create(source=source, start=0, end=5, user=analyst)
    tracked_delete(instance=old, user=curator)

    new = excerpt_create(source=source, start=0, end=5, user=analyst)

    assert new.pk != old.pk
    assert list(Excerpt.objects.values_list("pk", flat=True)) == [new.pk]


# -- excerpt_create_from_quote --------------------------------------------------------------


def test_excerpt_create_from_quote_anchors_the_second_mention_by_its_context(analyst, seed_source):
    text = seed_source.text
    second = text.index(TRANSFER_AGREEMENT, text.index(TRANSFER_AGREEMENT) + 1)

    excerpt = excerpt_create_from_quote(
        source=seed_source,
        exact=TRANSFER_AGREEMENT,
        prefix=text[second - 20 : second],
        suffix=text[second + len(TRANSFER_AGREEMENT) :][:10],
        user=analyst,
    )

    assert (excerpt.start, excerpt.end) == (second, second + len(TRANSFER_AGREEMENT))
    assert excerpt.exact == TRANSFER_AGREEMENT


def test_excerpt_create_from_quote_refuses_words_that_are_not_in_the_source(analyst):
    source = SourceFactory()

    with pytest.raises(ValidationError) as caught:
        excerpt_create_from_quote(source=source, exact="not in the brief", user=analyst)

    assert caught.value.message_dict == {
        "exact": ["Cannot place this quote: the quote does not occur in the text."]
    }


# -- evidence_attach / evidence_detach ------------------------------------------------------


def test_evidence_attach_links_an_excerpt_with_one_history_row(analyst):
    agreement, excerpt = AgreementFactory(), ExcerptFactory()

    link = evidence_attach(record=agreement, excerpt=excerpt, user=analyst, note="says so")

    assert link.record == agreement
    assert (link.excerpt, link.note, link.created_by) == (excerpt, "says so", analyst)
    assert [e.excerpt for e in agreement.live_evidence_links()] == [excerpt]
    [row] = history_rows(link)
    assert (row.history_user, row.history_change_reason) == (analyst, "Evidence attached")


def test_evidence_attach_twice_returns_the_same_link_and_writes_nothing(analyst):
    agreement, excerpt = AgreementFactory(), ExcerptFactory()
    first = evidence_attach(record=agreement, excerpt=excerpt, user=analyst)

    again = evidence_attach(record=agreement, excerpt=excerpt, user=analyst)

    assert again.pk == first.pk
    assert RecordEvidence.all_objects.count() == 1
    assert RecordEvidence.history.count() == 1


def test_evidence_attach_refuses_a_trashed_excerpt(analyst, curator):
    agreement, excerpt = AgreementFactory(), ExcerptFactory()
    tracked_delete(instance=excerpt, user=curator)
    excerpt.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        evidence_attach(record=agreement, excerpt=excerpt, user=analyst)

    assert caught.value.message_dict == {"excerpt": ["This excerpt is in the trash."]}
    assert RecordEvidence.all_objects.count() == 0


def test_evidence_attach_refuses_a_partner(partner):
    with pytest.raises(PermissionDenied):
        evidence_attach(record=AgreementFactory(), excerpt=ExcerptFactory(), user=partner)

    assert RecordEvidence.all_objects.count() == 0


def test_evidence_detach_trashes_the_link_for_a_curator_only(analyst, curator):
    agreement = AgreementFactory()
    link = evidence_attach(record=agreement, excerpt=ExcerptFactory(), user=analyst)

    with pytest.raises(PermissionDenied):
        evidence_detach(link=link, user=analyst)
    assert list(agreement.live_evidence_links()) == [link]

    evidence_detach(link=link, user=curator)

    assert list(agreement.live_evidence_links()) == []
    stored = RecordEvidence.all_objects.get(pk=link.pk)
    assert (stored.deleted_by, stored.version) == (curator, 2)
    assert history_rows(stored)[0].history_change_reason == "Evidence detached"


def test_evidence_attach_after_a_detach_makes_a_new_live_link(analyst, curator):
    agreement, excerpt = AgreementFactory(), ExcerptFactory()
    old = evidence_attach(record=agreement, excerpt=excerpt, user=analyst)
    evidence_detach(link=old, user=curator)

    new = evidence_attach(record=agreement, excerpt=excerpt, user=analyst)

    assert new.pk != old.pk
    assert [link.pk for link in agreement.live_evidence_links()] == [new.pk]
