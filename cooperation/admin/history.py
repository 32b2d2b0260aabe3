"""The admin's history pages, readable: each version lists what changed, field by field.

simple-history's own list shows raw column names (a `history_change_reason` column beside
its "Change reason"), leaves the CHANGES cell of the first version and of each page's last
row empty, prints choices as stored codes and long texts whole, and styles its paginator
with an inline style the Content-Security-Policy blocks. Here every version says what it
did: the first lists the values it was created with, each later one "field: before → after"
against the version before it (found beyond the page when needed), in the fields' verbose
names and the choices' labels. Who/when bookkeeping (version, updated by…) is left out:
the row's own columns say it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.utils import get_m2m_reverse_field_name

# Said by the row's own columns (who, when, which version), so not repeated as changes;
# a source's furniture is a list of offsets no one reads.
BOOKKEEPING = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "furniture"}
)
# A long text (a summary, a note) is shown by its start, cut at a word.
VALUE_WORDS = 30
VALUE_CHARS = 160
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None  # None: the version set the field (the first version)
    new: str


def _display(field: models.Field, value) -> str:
    """One value as a person reads it: a choice's label, a name, a date, a text's start."""
    if isinstance(value, list):
        value = ", ".join(_display(field, item) for item in value) if value else None
    if value is None or value == "":
        return EMPTY
    if getattr(field, "flatchoices", None):
        value = dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    text = " ".join(str(value).split())
    return Truncator(Truncator(text).words(VALUE_WORDS, truncate="…")).chars(VALUE_CHARS)


def _diffed_fields(record) -> set[str]:
    # Fields nobody edits in a form still change (a recommendation's status, the trash).
    names = {field.name for field in record.tracked_fields}
    names |= {field.name for field in record._history_m2m_fields}
    return names - BOOKKEEPING


def _value(model, record, name: str, m2m_names: set[str]):
    field = _model_field(model, name)
    if name in m2m_names:
        reverse_name = get_m2m_reverse_field_name(field)
        return [_related(row, reverse_name) for row in getattr(record, name).all()]
    if isinstance(field, models.ForeignKey):
        key = getattr(record, field.attname)
        if key is None:
            return None
        related = _related(record, name)
        return related if related is not None else f"#{key} (removed)"
    return getattr(record, field.attname)


def _model_field(model, name: str) -> models.Field:
    return model._meta.get_field(name)


def _related(record, name: str):
    try:
        return getattr(record, name)
    except ObjectDoesNotExist:
        return None


def _initial_values(model, record) -> list[FieldChange]:
    """What the first version was created with: every field that holds something."""
    m2m_names = {field.name for field in record._history_m2m_fields}
    changes = []
    for name in sorted(_diffed_fields(record)):
        field = _model_field(model, name)
        shown = _display(field, _value(model, record, name, m2m_names))
        if shown != EMPTY:
            changes.append(FieldChange(str(capfirst(field.verbose_name)), None, shown))
    return changes


def _differences(model, record, older) -> list[FieldChange]:
    m2m_names = {field.name for field in record._history_m2m_fields}
    changed = set()
    for name in _diffed_fields(record) - m2m_names:
        attname = _model_field(model, name).attname
        if getattr(record, attname) != getattr(older, attname):
            changed.add(name)
    if m2m_names:
        # simple-history compares the links' rows (its own diff reads editable fields only).
        delta = record.diff_against(older, included_fields=m2m_names & _diffed_fields(record))
        changed |= set(delta.changed_fields)
    changes = []
    for name in sorted(changed):
        field = _model_field(model, name)
        label = str(capfirst(field.verbose_name))
        old = _display(field, _value(model, older, name, m2m_names))
        new = _display(field, _value(model, record, name, m2m_names))
        changes.append(FieldChange(label, old, new))
    return changes


def version_changes(model, records, *, older_than_last=None) -> None:
    """Set `readable_changes` on each of `records` (newest first, as the page lists them).

    `older_than_last` is the version just before the last one listed (on a later page), or
    None when the last one listed is the first version.
    """
    records = list(records)
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else older_than_last
        record.readable_changes = (
            _initial_values(model, record) if older is None else _differences(model, record, older)
        )


class ReadableHistoryMixin:
    """A SimpleHistoryAdmin whose history page lists readable changes for every version."""

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    history_list_display: list[str] = []

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple-history calls select_related() with no names for a model without tracked
        # foreign keys, which Django 6.1 deprecates (a warning, an error under the tests).
        queryset = history_manager.filter(**{pk_name: object_id})
        relations = [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        if not isinstance(history_manager.model.history_user, property):
            relations.append("history_user")
        return queryset.select_related(*relations) if relations else queryset

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # Replaces simple-history's deltas (and its empty cells) with readable_changes.
        records = list(historical_records)
        older_than_last = None
        if records:
            last = records[-1]
            older_than_last = (
                type(last)
                .objects.filter(
                    **{self.model._meta.pk.attname: getattr(last, self.model._meta.pk.attname)}
                )
                .filter(
                    models.Q(history_date__lt=last.history_date)
                    | models.Q(history_date=last.history_date, history_id__lt=last.history_id)
                )
                .order_by("-history_date", "-history_id")
                .first()
            )
        version_changes(self.model, records, older_than_last=older_than_last)
