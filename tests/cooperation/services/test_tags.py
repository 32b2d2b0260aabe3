"""Tags: making one (names, case, length), tagging records and notes, and who may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.history import history_m2m_values
from cooperation.models import Tag
from cooperation.services import annotation_create, record_merge
from cooperation.services.tags import (
    annotation_tags_set,
    record_tags_change,
    tag_create,
    tag_get_or_create,
)
from tests.factories import AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_tag_create_makes_a_slug_and_a_history_row(analyst):
    tag = tag_create(user=analyst, name="  Sea   denial ")
    assert (tag.name, tag.slug) == ("Sea denial", "sea-denial")
    assert tag.history.count() == 1
    assert tag.created_by == analyst


@pytest.mark.parametrize("name", ["", "   ", "<script>", "-lead", "a" * 41])
def test_tag_create_refuses_bad_names(analyst, name):
    with pytest.raises(ValidationError) as exc:
        tag_create(user=analyst, name=name)
    assert "name" in exc.value.message_dict
    assert not Tag.objects.exists()


def test_tag_create_too_long_says_the_limit(analyst):
    with pytest.raises(ValidationError, match="40 characters"):
        tag_create(user=analyst, name="x" * 60)


def test_tag_create_refuses_the_same_name_in_another_case(analyst):
    tag_create(user=analyst, name="NATO")
    with pytest.raises(ValidationError) as exc:
        tag_create(user=analyst, name="nato")
    assert "“NATO” already exists" in exc.value.message_dict["name"][0]
    assert Tag.objects.count() == 1


def test_the_database_refuses_a_case_duplicate_too(analyst):
    from django.db import IntegrityError, transaction

    tag_create(user=analyst, name="Quad")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="QUAD", slug="quad-2")


def test_tag_get_or_create_finds_it_in_any_case(analyst):
    made, created = tag_get_or_create(user=analyst, name="Quad")
    found, again = tag_get_or_create(user=analyst, name="quad")
    assert created and not again and found == made


def test_partners_make_no_tags(partner):
    with pytest.raises(PermissionDenied):
        tag_create(user=partner, name="Mine")


def test_record_tags_change_writes_one_history_row_with_the_tags(analyst):
    record = AgreementFactory()
    a, b = tag_create(user=analyst, name="alpha"), tag_create(user=analyst, name="beta")
    before = record.history.count()
    record = record_tags_change(record=record, user=analyst, add=[a, b])
    assert record.history.count() == before + 1
    row = record.history.first()
    assert history_m2m_values(row, "tags") == sorted([a.pk, b.pk])
    assert "+alpha" in row.history_change_reason
    record = record_tags_change(record=record, user=analyst, remove=[a])
    assert history_m2m_values(record.history.first(), "tags") == [b.pk]
    assert list(record.tags.all()) == [b]


def test_record_tags_change_that_changes_nothing_writes_nothing(analyst):
    record = AgreementFactory()
    tag = tag_create(user=analyst, name="alpha")
    record = record_tags_change(record=record, user=analyst, add=[tag])
    version = record.version
    record = record_tags_change(record=record, user=analyst, add=[tag])
    assert record.version == version


def test_record_tags_change_refuses_a_forged_tag_id(analyst):
    record = AgreementFactory()
    with pytest.raises(ValidationError, match="no tag"):
        record_tags_change(record=record, user=analyst, add=[987654])


@pytest.mark.parametrize("role", ["partner"])
def test_a_partner_cannot_tag_a_record(request, analyst, role):
    record = AgreementFactory()
    tag = tag_create(user=analyst, name="alpha")
    with pytest.raises(PermissionDenied):
        record_tags_change(record=record, user=request.getfixturevalue(role), add=[tag])
    assert not record.tags.exists()


def test_merge_keeps_both_records_tags(curator):
    keep, duplicate = DealFactory(), DealFactory()
    a, b = tag_create(user=curator, name="alpha"), tag_create(user=curator, name="beta")
    record_tags_change(record=keep, user=curator, add=[a])
    record_tags_change(record=duplicate, user=curator, add=[b])
    keep = record_merge(keep=keep, duplicate=duplicate, user=curator)
    assert set(keep.tags.all()) == {a, b}


def test_the_author_tags_their_note_with_a_history_row(analyst):
    note = annotation_create(author=analyst, record=AgreementFactory(), body="Look")
    tag = tag_create(user=analyst, name="follow up")
    note = annotation_tags_set(annotation=note, user=analyst, tags=[tag])
    assert list(note.tags.all()) == [tag]
    assert history_m2m_values(note.history.first(), "tags") == [tag.pk]


def test_another_analyst_may_not_tag_someone_elses_note(analyst, other_analyst):
    note = annotation_create(author=analyst, record=AgreementFactory(), body="Look")
    tag = tag_create(user=analyst, name="follow up")
    with pytest.raises(PermissionDenied):
        annotation_tags_set(annotation=note, user=other_analyst, tags=[tag])


def test_a_curator_may_tag_a_team_note(analyst, curator):
    note = annotation_create(author=analyst, record=AgreementFactory(), body="Look")
    tag = tag_create(user=curator, name="follow up")
    annotation_tags_set(annotation=note, user=curator, tags=[tag])
    assert note.tags.count() == 1
