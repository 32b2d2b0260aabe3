"""Migration 0020 gives every value entered before claims existed a claim that says so.

The data is built at 0019 with the historical models (every kind; dates at each
precision, links, a number, a decimal, trashed records and empty values), migrated
forward, and every non-empty fact must have exactly one preferred claim holding its value
as the services write it, a judgement whose reason asks for review, by the record's
author; empty values have none. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.cooperation.migrating import latest_of, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cooperation", "0019_identifiers")]
AFTER = [("cooperation", "0020_claims")]


def _record(apps, model_name, n, **fields):
    Spine = apps.get_model("cooperation", "RecordSpine")
    title, slug = f"{model_name} {n}", f"{model_name}-{n}"
    spine = Spine.objects.create(
        record_kind=model_name,
        kind_id=0,
        title=title,
        slug=slug,
        visibility=fields.get("visibility", "draft"),
        deleted_at=fields.get("deleted_at"),
    )
    record = apps.get_model("cooperation", model_name).objects.create(
        title=title, slug=slug, spine=spine, **fields
    )
    Spine.objects.filter(pk=spine.pk).update(kind_id=record.pk)
    return record


def _build(apps) -> dict:
    User = apps.get_model("accounts", "User")
    Actor = apps.get_model("cooperation", "Actor")
    author = User.objects.create(email="old@example.org", full_name="Earlier analyst")
    india = Actor.objects.create(name="India", slug="india", kind="state")
    japan = Actor.objects.create(name="Japan", slug="japan", kind="state")
    agreement = _record(
        apps,
        "agreement",
        1,
        kind="agreement",
        status="signed",
        signed_on=dt.date(2015, 1, 1),
        signed_on_precision="year",
        in_force_on=dt.date(2016, 3, 29),
        created_by=author,
        deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),  # in the trash: claimed too
    )
    agreement.parties.set([japan.pk, india.pk])
    deal = _record(
        apps,
        "deal",
        1,
        kind="acquisition",
        status="stalled",
        supplier=japan,
        number_ordered=12,
        estimated_value=Decimal("1650000000.00"),
        value_currency="USD",
        value_year=2014,
        created_by=author,
    )
    challenge = _record(apps, "challenge", 1, category="cost", severity="high")
    recommendation = _record(apps, "recommendation", 1, priority="medium")
    return {
        ("agreement", agreement.spine_id): {
            "status": "signed",
            "signed_on": "2015",
            "in_force_on": "2016-03-29",
            "parties": sorted([india.pk, japan.pk]),
        },
        ("deal", deal.spine_id): {
            "status": "stalled",
            "supplier": japan.pk,
            "number_ordered": 12,
            "estimated_value": "1650000000",
            "value_currency": "USD",
            "value_year": 2014,
        },
        ("challenge", challenge.spine_id): {"severity": "high"},
        ("recommendation", recommendation.spine_id): {"priority": "medium"},
        "author": author.pk,
    }


def test_every_earlier_value_gets_one_preferred_judgement_claim_asking_for_review():
    latest = latest_of()
    try:
        expected = _build(migrate_to(BEFORE))
        new = migrate_to(AFTER)
        Claim = new.get_model("cooperation", "Claim")
        for key, values in expected.items():
            if key == "author":
                continue
            _kind, spine_id = key
            rows = Claim.objects.filter(spine_id=spine_id)
            assert {c.field: c.value for c in rows} == values, key
            assert {(c.rank, c.basis) for c in rows} == {("preferred", "judgement")}
            assert all("before Contours kept each value's basis" in c.reason for c in rows)
        agreement_claims = Claim.objects.filter(
            spine_id=next(k[1] for k in expected if k[0] == "agreement")
        )
        assert {c.created_by_id for c in agreement_claims} == {expected["author"]}
    finally:
        migrate_to(latest)
