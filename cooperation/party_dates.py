"""Each party's signature and ratification dates on an agreement (the UN Treaty Series
record gives them per party).

They are kept on the agreement itself, in one JSON column, `party_dates`:

    [{"party": 12, "signed_on": "2015-12-12", "ratified_on": "2016"}, ...]

`party` is the actor's id, which must be one of the agreement's `parties`; each date is
ISO 8601 at the precision the evidence gives (`2015`, `2015-12` or `2015-12-12`,
cooperation/precise_dates.py), or null. Kept on the row, the dates travel with the
parties they belong to: one service write is one history row holding both, restoring a
version brings both back together, and the partner list reads them with the row.

This module holds the rules, no database: `normalise` checks and orders a value,
`dates_for` reads it for a page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cooperation import precise_dates

DATE_KEYS = ("signed_on", "ratified_on")
KEYS = ("party", *DATE_KEYS)


def _iso(text, party) -> str | None:
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        raise ValidationError(f"Party {party}: {precise_dates.FORMAT_HELP}", code="invalid")
    try:
        day, precision = precise_dates.parse(text)
    except ValidationError as exc:
        raise ValidationError(f"Party {party}: {' '.join(exc.messages)}", code="invalid") from None
    return precise_dates.iso(day, precision)


def normalise(value) -> list[dict]:
    """`value` checked and in its one stored form: each entry's keys, its dates ISO 8601 at
    their precision, no entry without a date, no party twice, ratified not before signed."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError("A list of {party, signed_on, ratified_on} entries.", code="invalid")
    entries, seen = [], set()
    for item in value:
        if not isinstance(item, dict) or set(item) - set(KEYS) or "party" not in item:
            raise ValidationError(
                "Each entry is {party, signed_on, ratified_on}, party an actor's id.",
                code="invalid",
            )
        party = item["party"]
        if isinstance(party, bool) or not isinstance(party, int) or party < 1:
            raise ValidationError(f"Party {party!r} is not an actor's id.", code="invalid")
        if party in seen:
            raise ValidationError(f"Party {party} has dates twice.", code="invalid")
        seen.add(party)
        entry = {"party": party, **{key: _iso(item.get(key), party) for key in DATE_KEYS}}
        if entry["signed_on"] is None and entry["ratified_on"] is None:
            continue
        if entry["signed_on"] and entry["ratified_on"]:
            signed, _ = precise_dates.parse(entry["signed_on"])
            ratified, _ = precise_dates.parse(entry["ratified_on"])
            if ratified < signed:
                raise ValidationError(f"Party {party}: ratified before it signed.", code="invalid")
        entries.append(entry)
    return entries


def dates_for(value) -> dict[int, dict]:
    """{party id: {"signed_on": (date, precision) | None, "ratified_on": …}} for display."""
    table = {}
    for entry in value or ():
        table[entry["party"]] = {
            key: (precise_dates.parse(entry[key]) if entry.get(key) else None) for key in DATE_KEYS
        }
    return table


def describe(value, names: dict[int, str]) -> str:
    """One line for a CSV cell: `Japan: signed 2015-12-12, ratified 2016 | India: …`."""
    parts = []
    for entry in value or ():
        said = [f"{key.removesuffix('_on')} {entry[key]}" for key in DATE_KEYS if entry.get(key)]
        parts.append(f"{names.get(entry['party'], entry['party'])}: {', '.join(said)}")
    return " | ".join(parts)
