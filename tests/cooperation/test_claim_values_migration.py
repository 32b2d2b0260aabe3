"""Migration 0024 rewrites claims stored as sent in the form the services now keep.

Claims are made at 0023 with the historical models, holding values the API once stored
as sent; after 0024 each holds its value as the field keeps it, a value the services
would refuse (or keep as empty) is left exactly as it was, a field whose claims now all
agree with the record has its oldest preferred again, and the record is in the change
feed. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.cooperation.migrating import latest_of, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cooperation", "0023_currency_code_field")]
AFTER = [("cooperation", "0024_claim_values_as_kept")]

# (field, as stored, as kept after the migration)
CASES = [
    ("number_ordered", "12", 12),
    ("number_ordered", 12.0, 12),
    ("number_ordered", " 12 ", 12),
    ("number_ordered", "+12", 12),  # int() takes it, so the services do
    ("number_ordered", 12, 12),
    ("number_ordered", 12.5, 12.5),  # the services refuse a fraction: left as it was
    ("number_ordered", "twelve", "twelve"),
    ("number_ordered", "9" * 5000, "9" * 5000),  # beyond int()'s digits: left
    ("number_ordered", "-3", "-3"),  # below the field's minimum: left
    ("supplier", "5", 5),
    ("supplier", 5.0, 5),
    ("supplier", True, True),
    ("supplier", "0", "0"),
    ("value_year", "2014", 2014),
    ("value_year", "1800", "1800"),  # outside the field's years: left
    ("value_currency", " usd ", "USD"),
    ("value_currency", "JPY", "JPY"),
    ("value_currency", "us$", "us$"),
    ("value_currency", "usdd", "usdd"),
    ("system", 5, "5"),
    ("system", "US-2", "US-2"),
    ("status", 5, 5),  # no such choice: left
    ("estimated_value", 1650000000, "1650000000"),
    ("estimated_value", "1650000000.00", "1650000000"),
    ("estimated_value", "lots", "lots"),
    ("licensed_production", "1", True),
    ("licensed_production", 1.0, True),
    ("licensed_production", "true", "true"),  # the field takes t, True and 1 only
    ("licensed_production", "0", "0"),  # kept as no: an empty claim, left
    ("licensed_production", True, True),
    ("signed_on", "2015", "2015"),
]


def _deal(apps, **fields):
    Spine = apps.get_model("cooperation", "RecordSpine")
    spine = Spine.objects.create(record_kind="deal", kind_id=0, title="Deal", slug="deal")
    deal = apps.get_model("cooperation", "Deal").objects.create(
        title="Deal", slug="deal", spine=spine, kind="acquisition", **fields
    )
    Spine.objects.filter(pk=spine.pk).update(kind_id=deal.pk)
    return spine, deal


def test_claims_stored_as_sent_hold_their_value_as_the_field_keeps_it():
    latest = latest_of()
    try:
        old = migrate_to(BEFORE)
        Claim = old.get_model("cooperation", "Claim")
        spine, deal = _deal(old)

        def claim(field, value, rank="normal"):
            return Claim.objects.create(
                spine=spine, field=field, value=value, rank=rank, basis="judgement", reason="r"
            ).pk

        claim("status", deal.status, "preferred")  # every fact the deal has rests on a claim
        made = [claim(field, sent) for field, sent, _kept in CASES]
        new = migrate_to(AFTER)
        values = dict(new.get_model("cooperation", "Claim").objects.values_list("pk", "value"))
        for pk, (field, sent, kept) in zip(made, CASES, strict=True):
            assert values[pk] == kept and type(values[pk]) is type(kept), (field, sent)
    finally:
        migrate_to(latest)


def test_a_field_whose_claims_now_agree_with_the_record_has_its_first_claim_preferred_again():
    latest = latest_of()
    try:
        old = migrate_to(BEFORE)
        Claim = old.get_model("cooperation", "Claim")
        spine, deal = _deal(
            old, estimated_value=Decimal("1500000"), value_currency="USD", value_year=2016
        )

        def claim(field, value, rank="normal"):
            return Claim.objects.create(
                spine=spine, field=field, value=value, rank=rank, basis="judgement", reason="r"
            ).pk

        claim("status", deal.status, "preferred")  # every fact the deal has rests on a claim
        claim("estimated_value", "1500000", "preferred")
        # "usd" demoted the original claim: a disagreement, no claim preferred.
        original, lowercase = claim("value_currency", "USD"), claim("value_currency", "usd")
        # Still a real disagreement after the rewrite: nobody is preferred for them.
        year_a, year_b = claim("value_year", 2016), claim("value_year", "2015")
        ChangeEntry = old.get_model("cooperation", "ChangeEntry")
        logged = ChangeEntry.objects.filter(kind="deal", object_id=deal.pk).count()

        new = migrate_to(AFTER)
        ranks = dict(new.get_model("cooperation", "Claim").objects.values_list("pk", "rank"))
        assert (ranks[original], ranks[lowercase]) == ("preferred", "normal")
        assert (ranks[year_a], ranks[year_b]) == ("normal", "normal")
        entries = new.get_model("cooperation", "ChangeEntry").objects
        assert entries.filter(kind="deal", object_id=deal.pk).count() > logged
    finally:
        migrate_to(latest)
