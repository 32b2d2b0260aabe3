"""External identifiers: per-scheme forms, uniqueness, permission, history, duplicate messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cooperation.choices import Visibility
from cooperation.identifiers import clean_identifier, link_for, parse_filter
from cooperation.models import Identifier
from cooperation.services.identifiers import (
    DuplicateIdentifier,
    identifier_add,
    identifier_remove,
)
from tests.factories import ActorFactory, AgreementFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scheme", "given", "stored"),
    [
        ("wikidata", "Q668", "Q668"),
        ("wikidata", " q17 ", "Q17"),
        ("WIKIDATA", "q1", "Q1"),
        ("unts", "I:33521", "I:33521"),
        ("unts", "ii:965", "II:965"),
        ("sipri", "2015-IND-JPN/1", "2015-IND-JPN/1"),
    ],
)
def test_good_values_are_normalised(scheme, given, stored):
    assert clean_identifier(scheme, given)[1] == stored


@pytest.mark.parametrize(
    ("scheme", "value", "url", "field", "words"),
    [
        ("wikidata", "Q0", "", "value", "Q followed by digits"),
        ("wikidata", "668", "", "value", "Q followed by digits"),
        ("wikidata", "Q66a", "", "value", "Wikidata"),
        ("unts", "33521", "", "value", "I:33521"),
        ("unts", "III:12", "", "value", "UN Treaty Series"),
        ("unts", "I-12345", "", "value", "colon"),
        ("sipri", "", "", "value", "SIPRI"),
        ("sipri", "a b", "", "value", "SIPRI"),
        ("other", "ABC-1", "", "url", "http(s) URL"),
        ("other", "ABC-1", "ftp://x.org/a", "url", "http(s) URL"),
        ("other", "", "https://x.org", "value", "Other"),
        ("isbn", "1", "", "scheme", "wikidata, unts, sipri, other"),
    ],
)
def test_bad_values_name_the_expected_form(scheme, value, url, field, words):
    with pytest.raises(ValidationError) as caught:
        clean_identifier(scheme, value, url)
    assert words in " ".join(caught.value.message_dict[field])


def test_links():
    assert link_for("wikidata", "Q668") == "https://www.wikidata.org/wiki/Q668"
    assert link_for("unts", "I:1").startswith("https://treaties.un.org/")
    assert link_for("sipri", "x").startswith("https://armstransfers.sipri.org/")
    assert link_for("other", "x", "https://e.org/x") == "https://e.org/x"


def test_parse_filter():
    assert parse_filter("wikidata:q668") == ("wikidata", "Q668")
    assert parse_filter("unts:I:33521") == ("unts", "I:33521")
    for bad in ("wikidata", "wikidata:", "wikidata:X1", "nope:1", ""):
        with pytest.raises(ValidationError):
            parse_filter(bad)


def test_add_writes_history_and_is_idempotent(curator):
    deal = DealFactory()
    row = identifier_add(user=curator, record=deal, scheme="wikidata", value="q42")
    assert (row.spine_id, row.value, row.created_by) == (deal.spine_id, "Q42", curator)
    assert row.history.count() == 1
    assert identifier_add(user=curator, record=deal, scheme="wikidata", value="Q42").pk == row.pk
    assert Identifier.objects.count() == 1
    identifier_remove(user=curator, identifier=row)
    row.refresh_from_db()
    assert row.is_deleted and row.history.count() == 2
    # Once removed, the value is free again.
    other = AgreementFactory()
    assert identifier_add(user=curator, record=other, scheme="wikidata", value="Q42").pk != row.pk


def test_actor_identifier(curator):
    actor = ActorFactory()
    row = identifier_add(user=curator, actor=actor, scheme="wikidata", value="Q668")
    assert row.actor == actor and row.spine is None


def test_duplicate_names_readable_record_in_any_case(curator):
    first = AgreementFactory(title="Civil nuclear agreement")
    identifier_add(user=curator, record=first, scheme="wikidata", value="Q99")
    with pytest.raises(DuplicateIdentifier) as caught:
        identifier_add(user=curator, record=DealFactory(), scheme="wikidata", value="q99")
    assert "Civil nuclear agreement" in str(caught.value)
    assert caught.value.holder.pk == first.spine_id
    assert Identifier.objects.count() == 1


def test_duplicate_of_an_unreadable_record_is_neutral(curator, partner):
    hidden = AgreementFactory(title="Secret draft", visibility=Visibility.DRAFT)
    row = identifier_add(user=curator, record=hidden, scheme="unts", value="I:5")
    from cooperation.services.identifiers import duplicate_message

    message, holder = duplicate_message(row, partner)
    assert holder is None and "Secret draft" not in message and "already in use" in message


def test_permission(analyst, partner, curator):
    deal = DealFactory()
    with pytest.raises(PermissionDenied):
        identifier_add(user=partner, record=deal, scheme="wikidata", value="Q1")
    row = identifier_add(user=analyst, record=deal, scheme="wikidata", value="Q1")
    with pytest.raises(PermissionDenied):
        identifier_remove(user=partner, identifier=row)
    assert not Identifier.all_objects.filter(deleted_at__isnull=False).exists()


def test_bad_value_writes_nothing(curator):
    with pytest.raises(ValidationError):
        identifier_add(user=curator, record=DealFactory(), scheme="unts", value="12")
    assert Identifier.all_objects.count() == 0


def test_database_refuses_two_targets_and_live_duplicates(curator):
    deal = DealFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Identifier.objects.create(spine=deal.spine, actor=ActorFactory(), scheme="other", value="x")
    Identifier.objects.create(spine=deal.spine, scheme="wikidata", value="Q3")
    with pytest.raises(IntegrityError), transaction.atomic():
        Identifier.objects.create(spine=AgreementFactory().spine, scheme="wikidata", value="Q3")
