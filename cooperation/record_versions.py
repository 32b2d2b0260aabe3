"""Versions of a record side by side: what people edit, read as labels, and what differs.

Used by the history page (consecutive versions) and the edit conflict page (the
version a form was opened at, the version saved since, and what the person typed).
A *snapshot* maps field names to comparable values: a primary key for a foreign
key, a frozenset of primary keys for a many-to-many field, the raw value otherwise.
Labels are resolved in bulk (one query per related model), so a page that
compares many versions costs the same number of queries as one that compares two.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats

from cooperation.history import CHANGED, CREATED, DELETED
from cooperation.models import Record
from cooperation.services.tracked import editable_field_names

EMPTY = "—"
KIND_LABELS = {CREATED: "Created", CHANGED: "Changed", DELETED: "Moved to trash"}


def compared_fields(model: type[Record]) -> list[str]:
    """The fields a history diff shows, in the model's order: what people edit, plus status.

    A recommendation's status is not edited in a form but its moves are versions too.
    """
    editable = editable_field_names(model)
    names = [f.name for f in model._meta.concrete_fields if f.name in editable]
    if "status" not in names and any(f.name == "status" for f in model._meta.concrete_fields):
        names.append("status")
    names += [f.name for f in model._meta.many_to_many if f.name in editable]
    return names


def _is_m2m(model, name: str) -> bool:
    return model._meta.get_field(name).many_to_many


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


def live_snapshot(instance: Record, names: list[str]) -> dict:
    """The saved values of `instance` (many-to-many read from prefetch or the database)."""
    model = type(instance)
    snap = {}
    for name in names:
        f = model._meta.get_field(name)
        if f.many_to_many:
            snap[name] = frozenset(obj.pk for obj in getattr(instance, name).all())
        elif f.is_relation:
            snap[name] = getattr(instance, f.attname)
        else:
            snap[name] = _comparable(getattr(instance, name))
    return snap


def form_snapshot(model: type[Record], cleaned_data: dict, names: list[str]) -> dict:
    """What a person submitted, as comparable values (only the fields the form has)."""
    snap = {}
    for name in names:
        if name not in cleaned_data:
            continue
        value = cleaned_data[name]
        if _is_m2m(model, name):
            snap[name] = frozenset(getattr(v, "pk", v) for v in (value or []))
        else:
            snap[name] = _comparable(value)
    return snap


def history_rows(model: type[Record], pk: int, *, history_ids: list[int] | None = None):
    """History rows of one record, oldest first, with who made them and their link sets.

    Each row gets `snapshot` (field values as of that version); three or four queries
    whatever the number of versions.
    """
    rows = model.history.filter(id=pk).select_related("history_user").order_by("history_id")
    if history_ids is not None:
        rows = rows.filter(history_id__in=history_ids)
    rows = list(rows)
    names = compared_fields(model)
    links = _history_links(model, [row.history_id for row in rows], names)
    for row in rows:
        snap = {}
        for name in names:
            f = model._meta.get_field(name)
            if f.many_to_many:
                snap[name] = frozenset(links[name].get(row.history_id, ()))
            else:
                snap[name] = _comparable(getattr(row, f.attname, None))
        row.snapshot = snap
    return rows


def _history_links(model, history_ids: list[int], names: list[str]) -> dict[str, dict]:
    """{m2m name: {history_id: [target pk…]}} from simple-history's per-field link tables."""
    historical = model.history.model
    result: dict[str, dict] = {}
    for name in names:
        f = model._meta.get_field(name)
        if not f.many_to_many:
            continue
        by_row: dict[int, list] = defaultdict(list)
        result[name] = by_row
        accessor = f"{historical._meta.model_name}_{name}"
        try:
            through = historical._meta.get_field(accessor).related_model
        except FieldDoesNotExist:  # a link set the history does not keep
            continue
        target = f"{f.m2m_reverse_field_name()}_id"
        for history_id, target_pk in through.objects.filter(history_id__in=history_ids).values_list(
            "history_id", target
        ):
            by_row[history_id].append(target_pk)
    return result


class Labeller:
    """Turns snapshot values into what a person reads: choice labels, names, dates."""

    def __init__(self, model: type[Record], names: list[str], snapshots: list[dict]):
        self.model = model
        self.names = names
        wanted: dict[type[models.Model], set] = defaultdict(set)
        for name in names:
            f = model._meta.get_field(name)
            if not f.is_relation:
                continue
            for snap in snapshots:
                value = snap.get(name)
                if value is None:
                    continue
                wanted[f.related_model].update(value if f.many_to_many else [value])
        self.objects = {
            related: {obj.pk: obj for obj in related._base_manager.filter(pk__in=pks)}
            for related, pks in wanted.items()
            if pks
        }

    def label(self, name: str) -> str:
        return str(self.model._meta.get_field(name).verbose_name).capitalize()

    def _object_label(self, related, pk) -> str:
        obj = self.objects.get(related, {}).get(pk)
        return str(obj) if obj is not None else f"#{pk} (gone)"

    def items(self, name: str, value) -> list[str]:
        """A many-to-many value as sorted names."""
        related = self.model._meta.get_field(name).related_model
        return sorted((self._object_label(related, pk) for pk in value or ()), key=str.casefold)

    def text(self, name: str, value) -> str:
        f = self.model._meta.get_field(name)
        if f.many_to_many:
            return ", ".join(self.items(name, value)) or EMPTY
        if value is None or value == "":
            return EMPTY
        if f.is_relation:
            return self._object_label(f.related_model, value)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(f, models.DateTimeField):
            return formats.date_format(value, "j F Y, H:i")
        if isinstance(f, models.DateField):
            return formats.date_format(value, "j F Y")
        if isinstance(f, models.BooleanField):
            return "Yes" if value else "No"
        return str(value)


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    is_set: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def diff(labeller: Labeller, before: dict | None, after: dict) -> list[FieldChange]:
    """The fields whose value differs between two snapshots (all set fields when no before)."""
    changes = []
    for name in labeller.names:
        if name not in after:
            continue
        old = before.get(name) if before is not None else None
        new = after[name]
        is_set = _is_m2m(labeller.model, name)
        if before is not None and old == new:
            continue
        if before is None and (new in (None, "") or (is_set and not new)):
            continue
        change = FieldChange(
            name=name,
            label=labeller.label(name),
            before=labeller.text(name, old) if before is not None else EMPTY,
            after=labeller.text(name, new),
            is_set=is_set,
        )
        if is_set:
            change.added = labeller.items(name, set(new or ()) - set(old or ()))
            change.removed = labeller.items(name, set(old or ()) - set(new or ()))
        changes.append(change)
    return changes


@dataclass
class Version:
    row: object
    kind_label: str
    changes: list[FieldChange]
    is_latest: bool = False

    @property
    def is_creation(self) -> bool:
        return self.row.history_type == CREATED


def timeline(record: Record) -> list[Version]:
    """Every version of `record`, newest first, each with what changed since the one before."""
    model = type(record)
    rows = history_rows(model, record.pk)
    names = compared_fields(model)
    labeller = Labeller(model, names, [row.snapshot for row in rows])
    versions, previous = [], None
    for row in rows:
        versions.append(
            Version(
                row=row,
                kind_label=KIND_LABELS.get(row.history_type, row.history_type),
                changes=diff(labeller, previous, row.snapshot),
            )
        )
        previous = row.snapshot
    if versions:
        versions[-1].is_latest = True
    return versions[::-1]


@dataclass
class ConflictRow:
    name: str
    label: str
    theirs: str
    yours: str
    they_changed: bool
    you_changed: bool

    @property
    def differs(self) -> bool:
        return self.theirs != self.yours


@dataclass
class Conflict:
    """The saved record now, what this person typed, and what each side changed."""

    rows: list[ConflictRow]
    merged: dict  # form initial: latest values with this person's own changes on top
    reapplied: list[str]  # labels of the fields this person changed

    @property
    def differing(self) -> list[str]:
        return [row.label for row in self.rows if row.differs]


def conflict(
    current: Record, cleaned_data: dict, names: list[str], opened_version: int | None
) -> Conflict:
    model = type(current)
    theirs = live_snapshot(current, names)
    yours = form_snapshot(model, cleaned_data, names)
    base = None
    if opened_version is not None:
        past = model.history.filter(id=current.pk, version=opened_version).order_by("-history_id")
        ids = list(past.values_list("history_id", flat=True)[:1])
        if ids:
            base = history_rows(model, current.pk, history_ids=ids)[0].snapshot
    labeller = Labeller(model, [n for n in names if n in yours], [theirs, yours])
    rows, merged, reapplied = [], {}, []
    for name in labeller.names:
        you_changed = yours[name] != (base[name] if base is not None else theirs[name])
        they_changed = base is not None and theirs[name] != base[name]
        rows.append(
            ConflictRow(
                name=name,
                label=labeller.label(name),
                theirs=labeller.text(name, theirs[name]),
                yours=labeller.text(name, yours[name]),
                they_changed=they_changed,
                you_changed=you_changed,
            )
        )
        value = yours[name] if you_changed else theirs[name]
        merged[name] = sorted(value) if isinstance(value, frozenset) else value
        if you_changed:
            reapplied.append(labeller.label(name))
    return Conflict(rows=rows, merged=merged, reapplied=reapplied)
