"""CSV exports: the columns of each list, defined once, and a streaming writer.

A column is a header and a function of one row. Choice fields give two columns,
the label a person reads and the code a program filters on. Every cell that a
spreadsheet would read as a formula (= + - @, or a leading tab/CR) is prefixed
with a quote, so an exported note or title can never run as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from cooperation import party_dates, precise_dates
from cooperation.choices import CLOSED_RECOMMENDATION_STATUSES
from cooperation.fieldspec import SPECS
from cooperation.models import Agreement, Challenge, Deal, Recommendation

# Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def safe_cell(value: Any) -> str:
    """The text written for one cell: dates in ISO form, booleans as yes/no, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def field(name: str, header: str | None = None) -> Column:
    return Column(header or name, lambda obj: getattr(obj, name))


def choice(name: str, header: str | None = None) -> list[Column]:
    """Two columns for a choice field: its label, and its code as `<name>_code`."""
    label = header or name
    return [
        Column(label, lambda obj: getattr(obj, f"get_{name}_display")()),
        Column(f"{name}_code", lambda obj: getattr(obj, name)),
    ]


def names(relation: str, attribute: str = "name") -> Callable[[Any], str]:
    """The prefetched related objects' names joined into one cell (`relation.all()` is cached)."""

    def value(obj) -> str:
        return LIST_SEPARATOR.join(getattr(o, attribute) for o in getattr(obj, relation).all())

    return value


def user_label(user) -> str:
    return "" if user is None else (user.full_name or user.email)


def _record_head() -> list[Column]:
    return [field("id"), field("title"), field("slug")]


def _record_tail() -> list[Column]:
    return [
        Column("actors", names("actors")),
        Column("topics", names("topics")),
        Column("tags", names("tags")),
        field("summary"),
        *choice("visibility"),
        field("version"),
        field("created_at", "created"),
        field("updated_at", "updated"),
    ]


def _overdue(rec) -> bool:
    return bool(
        rec.target_date
        and rec.target_date < timezone.localdate()
        and rec.status not in CLOSED_RECOMMENDATION_STATUSES
    )


def _responses(rec) -> str:
    """The addressee's responses, oldest first: "Accepted (2025-03): the note"."""
    return LIST_SEPARATOR.join(
        f"{r.get_classification_display()} "
        f"({precise_dates.iso(r.responded_on, r.responded_on_precision)})"
        + (f": {r.note}" if r.note else "")
        for r in rec.responses.all()
    )


def _party_dates(agreement) -> str:
    """Each party's signature and ratification: "Japan: signed 2015-12-12, ratified 2016"."""
    if not agreement.party_dates:
        return ""
    names = {actor.pk: actor.name for actor in agreement.parties.all()}
    return party_dates.describe(agreement.party_dates, names)


# Fields whose cell is written by a function of the row rather than read from one column.
CELLS = {"party_dates": _party_dates}

# Computed columns a spec's field brings after it (cooperation.fieldspec.Field.csv_extra).
EXTRA_COLUMNS = {
    "owner_email": Column("owner_email", lambda r: r.owner.email if r.owner else ""),
    "overdue": Column("overdue", _overdue),
    "gao_status": Column("gao_status", lambda r: r.get_gao_status_display()),
    "responses": Column("responses", _responses),
}


def _related_label(model_field) -> Callable[[Any], str]:
    target = model_field.related_model
    if target._meta.label == settings.AUTH_USER_MODEL:
        return user_label
    attribute = "name" if any(f.name == "name" for f in target._meta.fields) else "title"
    return lambda obj: getattr(obj, attribute)


def _precise_iso(obj, name: str) -> str | None:
    """A date at its precision (`2015`, `2015-12`, `2015-12-12`), as the API writes it."""
    return precise_dates.iso(getattr(obj, name), getattr(obj, precise_dates.precision_name(name)))


def spec_columns(spec) -> list[Column]:
    """A kind's columns from its field specification (cooperation/fieldspec.py): a choice
    gives label and code, a link the linked names, anything else its value."""
    columns = []
    precise = precise_dates.precise_fields(spec.model)
    for entry in spec.fields:
        model_field = spec.model._meta.get_field(entry.name)
        header = entry.csv_header
        if model_field.many_to_many:
            label = _related_label(model_field)
            columns.append(
                Column(
                    header,
                    lambda obj, n=entry.name, label=label: LIST_SEPARATOR.join(
                        label(o) for o in getattr(obj, n).all()
                    ),
                )
            )
        elif model_field.is_relation:
            label = _related_label(model_field)
            columns.append(
                Column(
                    header,
                    lambda obj, n=entry.name, label=label: (
                        "" if getattr(obj, n) is None else label(getattr(obj, n))
                    ),
                )
            )
        elif entry.name in CELLS:
            columns.append(Column(header, CELLS[entry.name]))
        elif entry.name in precise:
            columns.append(Column(header, lambda obj, n=entry.name: _precise_iso(obj, n)))
        elif model_field.choices:
            columns.extend(choice(entry.name, entry.header))
        else:
            columns.append(field(entry.name, entry.header))
        columns.extend(EXTRA_COLUMNS[name] for name in entry.csv_extra)
    return [*_record_head(), *columns, *_record_tail()]


AGREEMENT_COLUMNS = spec_columns(SPECS[Agreement])
DEAL_COLUMNS = spec_columns(SPECS[Deal])
CHALLENGE_COLUMNS = spec_columns(SPECS[Challenge])
RECOMMENDATION_COLUMNS = spec_columns(SPECS[Recommendation])

SOURCE_COLUMNS = [
    field("id"),
    field("title"),
    field("publisher"),
    field("authors"),
    field("reference_code"),
    field("published_on", "published"),
    *choice("format"),
    Column("excerpts", lambda s: s.excerpt_count),
    field("sha256"),
    *choice("visibility"),
    field("version"),
    field("created_at", "created"),
    field("updated_at", "updated"),
]


def _annotation_target(note) -> str:
    if note.spine_id:
        return f"{note.spine.kind_label}: {note.spine.title}"
    if note.excerpt_id:
        return f"Excerpt in {note.excerpt.source.title}: {note.excerpt.exact[:200]}"
    return ""


ANNOTATION_COLUMNS = [
    field("id"),
    Column("author", lambda n: user_label(n.author)),
    Column("author_email", lambda n: n.author.email),
    Column("on", _annotation_target),
    Column("reply_to", lambda n: n.parent_id),
    *choice("motivation"),
    *choice("visibility"),
    field("resolved"),
    Column("tags", names("tags")),
    field("body"),
    field("created_at", "created"),
    field("updated_at", "updated"),
]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_rows(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A BOM so spreadsheet programs read UTF-8 (titles carry en dashes and accents).
    yield "\ufeff" + writer.writerow([c.header for c in columns])
    for row in rows:
        yield writer.writerow([safe_cell(c.value(row)) for c in columns])


def csv_response(columns: list[Column], rows: Iterable[Any], filename: str):
    response = StreamingHttpResponse(
        csv_rows(columns, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
