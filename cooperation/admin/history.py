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

# Said by the row's own columns (who, when, which version), so not repeated as changes.
BOOKKEEPING = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "deleted_at"}
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
    names = {field.name for field in record.tracked_fields if field.editable}
    names |= {field.name for field in record._history_m2m_fields}
    return names - BOOKKEEPING


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
        if name in m2m_names:
            reverse_name = get_m2m_reverse_field_name(field)
            value = [_related(row, reverse_name) for row in getattr(record, name).all()]
        elif isinstance(field, models.ForeignKey):
            value = _related(record, name)
        else:
            value = getattr(record, field.attname)
        shown = _display(field, value)
        if shown != EMPTY:
            changes.append(FieldChange(str(capfirst(field.verbose_name)), None, shown))
    return changes


def _differences(model, record, older) -> list[FieldChange]:
    delta = record.diff_against(
        older, included_fields=_diffed_fields(record), foreign_keys_are_objs=True
    )
    m2m_names = {field.name for field in record._history_m2m_fields}
    changes = []
    for change in delta.changes:
        field = _model_field(model, change.field)
        old, new = change.old, change.new
        if change.field in m2m_names:
            reverse_name = get_m2m_reverse_field_name(field)
            old = [row[reverse_name] for row in old]
            new = [row[reverse_name] for row in new]
        label = str(capfirst(field.verbose_name))
        changes.append(FieldChange(label, _display(field, old), _display(field, new)))
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
