"""Dates as precise as the evidence: a year, a month or a day.

A brief often says only "in 2015" or "in December 2015". Such a date is stored as the
first day of what is known (2015-01-01, 2015-12-01) beside its precision in a sibling
column, `<name>_precision` (blank for a date known to the day, as before precision was
kept). Everything else reads it through this module:

- people and clients write `2015`, `2015-12` or `2015-12-12` (`parse`);
- the API and the CSV write ISO 8601 at that precision (`iso`), the pages say
  "2015", "December 2015" or "12 December 2015" (`display`);
- a filter treats `2015` as the whole year: "on or after 1 June 2015" includes a
  date known only as 2015, as "before 1 June 2015" does (`on_or_after`, `on_or_before`).
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats

from cooperation.choices import DatePrecision

YEAR, MONTH, DAY = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY
_PARTIAL = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")
FORMAT_HELP = (
    "A year (2015), a month (2015-12) or a day (2015-12-12): as much as the evidence gives."
)


def precision_name(name: str) -> str:
    return f"{name}_precision"


def precise_fields(model) -> tuple[str, ...]:
    """The model's date fields that keep a precision beside them."""
    names = {f.name for f in model._meta.concrete_fields}
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if f.get_internal_type() == "DateField" and precision_name(f.name) in names
    )


def parse(text) -> tuple[date, str]:
    """`2015`, `2015-12` or `2015-12-12` (or a date) as (first day known, precision)."""
    if isinstance(text, date):
        return text, DAY
    match = _PARTIAL.match(str(text or ""))
    if not match:
        raise ValidationError(f"Enter a{FORMAT_HELP[1:]}", code="invalid")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), YEAR
        if day is None:
            return date(year, month, 1), MONTH
        return date(year, month, day), DAY
    except ValueError:
        message = f"{str(text).strip()} is not a date in the calendar."
        raise ValidationError(message, code="invalid") from None


def as_stored(precision: str, current: str) -> str:
    """The precision to store for a date written at `precision` over one stored at `current`:
    a day's precision may be blank (as before precision was kept), and stays as it was, so
    writing a date back unchanged is no change."""
    if precision == DAY and current in ("", DAY):
        return current
    return precision


def normalise(value: date | None, precision: str) -> date | None:
    """The first day of the period `value` falls in, at `precision`."""
    if value is None:
        return None
    if precision == YEAR:
        return value.replace(month=1, day=1)
    if precision == MONTH:
        return value.replace(day=1)
    return value


def iso(value: date | None, precision: str) -> str | None:
    """ISO 8601 at the precision known: `2015`, `2015-12` or `2015-12-12`."""
    if value is None:
        return None
    if precision == YEAR:
        return f"{value.year:04d}"
    if precision == MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def display(value: date | None, precision: str) -> str:
    """For people: "2015", "December 2015" or "12 December 2015"."""
    if value is None:
        return ""
    if precision == YEAR:
        return formats.date_format(value, "Y")
    if precision == MONTH:
        return formats.date_format(value, "F Y")
    return formats.date_format(value, "j F Y")


def on_or_after(name: str, day: date) -> Q:
    """Rows whose `name` may fall on or after `day`: a year or month that contains it counts."""
    precision = precision_name(name)
    return (
        Q(**{precision: YEAR, f"{name}__gte": day.replace(month=1, day=1)})
        | Q(**{precision: MONTH, f"{name}__gte": day.replace(day=1)})
        | (~Q(**{f"{precision}__in": (YEAR, MONTH)}) & Q(**{f"{name}__gte": day}))
    )


def on_or_before(name: str, day: date) -> Q:
    """Rows whose `name` may fall on or before `day` (stored as its period's first day)."""
    return Q(**{f"{name}__lte": day})


def check(instance) -> dict[str, str]:
    """Errors for dates not stored as the first day of their period, by field name."""
    errors = {}
    for name in precise_fields(type(instance)):
        value, precision = getattr(instance, name), getattr(instance, precision_name(name))
        if value is not None and normalise(value, precision) != value:
            errors[name] = (
                f"Known only to the {precision}: write {iso(value, precision)}, "
                "or give the whole date."
            )
    return errors
