"""Migration 0024 rewrites claims stored as sent in the form the services now keep.

Claims are made at 0023 with the historical models, holding values the API once stored
as sent; after 0024 each holds its value as the field keeps it, and a value with no such
form is left exactly as it was. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

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
    ("number_ordered", 12, 12),
    ("number_ordered", 12.5, 12.5),  # no whole number: left as it was
    ("number_ordered", "twelve", "twelve"),
    ("supplier", "5", 5),
    ("supplier", 5.0, 5),
    ("supplier", True, True),
    ("value_year", "2014", 2014),
    ("value_currency", " usd ", "USD"),
    ("value_currency", "JPY", "JPY"),
    ("system", 5, "5"),
    ("system", "US-2", "US-2"),
    ("estimated_value", 1650000000, "1650000000"),
    ("estimated_value", "1650000000.00", "1650000000"),
    ("estimated_value", "lots", "lots"),
    ("licensed_production", "true", True),
    ("licensed_production", "0", False),
    ("licensed_production", True, True),
    ("parties", [3, 1, 3], [1, 3]),
    ("parties", ["1"], ["1"]),
    ("signed_on", "2015", "2015"),
]


def test_claims_stored_as_sent_hold_their_value_as_the_field_keeps_it():
    latest = latest_of()
    try:
        old = migrate_to(BEFORE)
        Spine = old.get_model("cooperation", "RecordSpine")
        Claim = old.get_model("cooperation", "Claim")
        spine = Spine.objects.create(record_kind="deal", kind_id=1, title="Deal", slug="deal")
        made = [
            Claim.objects.create(
                spine=spine, field=field, value=sent, rank="normal", basis="judgement", reason="r"
            ).pk
            for field, sent, _kept in CASES
        ]
        new = migrate_to(AFTER)
        values = dict(new.get_model("cooperation", "Claim").objects.values_list("pk", "value"))
        for pk, (field, sent, kept) in zip(made, CASES, strict=True):
            assert values[pk] == kept and type(values[pk]) is type(kept), (field, sent)
    finally:
        migrate_to(latest)
