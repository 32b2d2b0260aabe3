"""Counts shown to a person count only what that person may read: the home summary and the
reader's note counts come from the read selectors (the one rule), never a rule of their own."""

from __future__ import annotations

import pytest

from cooperation.choices import AnnotationVisibility, Visibility
from cooperation.models import Excerpt
from cooperation.selectors import annotations_visible_to, home_summary, visible_note_count
from cooperation.services import annotation_create, record_set_visibility
from tests.factories import AgreementFactory, ExcerptFactory


@pytest.mark.django_db
def test_home_summary_counts_no_one_elses_private_note(analyst, other_analyst, curator):
    record = AgreementFactory()
    annotation_create(author=analyst, record=record, body="Mine", visibility="private")
    annotation_create(author=analyst, record=record, body="Team", visibility="team")

    assert home_summary(analyst)["annotations"] == 2
    assert home_summary(other_analyst)["annotations"] == 1
    assert home_summary(curator)["annotations"] == 1


@pytest.mark.django_db
def test_home_summary_shows_a_partner_published_records_only(partner, curator):
    AgreementFactory()
    record_set_visibility(record=AgreementFactory(), user=curator, visibility=Visibility.PUBLISHED)

    rows = {row["label"]: row["total"] for row in home_summary(partner)["records"]}
    assert rows["Agreements"] == 1
    assert home_summary(partner)["annotations"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", AnnotationVisibility.values)
def test_the_readers_note_count_is_the_read_rule(analyst, other_analyst, partner, visibility):
    excerpt = ExcerptFactory()
    annotation_create(author=analyst, excerpt=excerpt, body="A note", visibility=visibility)
    for reader in (analyst, other_analyst, partner):
        counted = (
            Excerpt.objects.filter(pk=excerpt.pk)
            .annotate(n=visible_note_count(reader, on="excerpt"))
            .get()
            .n
        )
        assert counted == annotations_visible_to(reader).filter(excerpt=excerpt).count()
