"""Related rows as a JSON column of the statement that loads their parent.

A page that shows a record with its actors, topics, tags and links used to send one
statement per relation (prefetch_related). `related_rows` turns one relation into a
subquery column of the record's own statement, a JSON array of the related rows
(`JSON_AGG` on PostgreSQL, `JSON_GROUP_ARRAY` on SQLite), and `fill_related` turns the
column back into model instances in the relation's prefetch cache, so templates keep
reading `record.actors.all` with no query. Rows are in the related model's default order
(in SQL on PostgreSQL; on SQLite, whose text order is by code point, sorted in Python).
"""

from __future__ import annotations

import datetime
import functools
import json

import orjson
from django.db import connections
from django.db.models import (
    Aggregate,
    Func,
    JSONField,
    ManyToManyField,
    OuterRef,
    Subquery,
    TextField,
)
from django.db.models.functions import JSONObject
from django.utils import timezone

SKIPPED_PREFIX = "search_"  # full-text columns: never shown, left deferred


def loads(text: str):
    """JSON text from the database as Python: orjson, several times faster than json.loads
    on the hundreds of small arrays a list page reads; json.loads for what orjson refuses
    (an integer beyond 64 bits), so nothing reads differently."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def read_json(value):
    """A JSON column's value as Python: text parsed by `loads`; what a driver already parsed
    (psycopg's jsonb), and NULL, as they came; text that is not JSON stays text, as
    Django's JSONField leaves it."""
    if value is None or not isinstance(value, str | bytes):
        return value
    try:
        return loads(value)
    except json.JSONDecodeError:
        return value


class ReadJSON(JSONField):
    """A JSON column of a read statement (an annotation), parsed by `read_json`."""

    def from_db_value(self, value, expression, connection):
        return read_json(value)


class JSONRows(Aggregate):
    """The aggregated values as one JSON array, as text."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()
    allow_order_by = True

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, function="JSON_AGG", **extra)
        return f"({sql})::text", params

    def as_sqlite(self, compiler, connection, **extra):
        copy = self.copy()
        copy.order_by = None  # SQLite before 3.44 cannot order inside an aggregate
        return copy.as_sql(compiler, connection, **extra)


class JSONMerge(Func):
    """Objects merged into one: PostgreSQL's jsonb `||`; SQLite's json_patch (which leaves
    out null members, read back as None)."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSON_PATCH", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" || ", **extra
        )


# PostgreSQL's jsonb_build_object takes at most 100 arguments: 50 members an object.
MEMBERS_PER_OBJECT = 40


def json_object(values: dict):
    """JSONObject of `values`, built in parts and merged when it has many members."""
    items = list(values.items())
    parts = [
        JSONObject(**dict(items[i : i + MEMBERS_PER_OBJECT]))
        for i in range(0, len(items), MEMBERS_PER_OBJECT)
    ]
    merged = parts[0]
    for part in parts[1:]:
        merged = JSONMerge(merged, part)
    return merged


# Only the columns pages show of these models (building and reading a JSON member costs
# CPU on every request); any other field is deferred, and loads if something reads it.
SHOWN_COLUMNS = {
    "accounts.user": {"id", "email", "full_name", "organisation"},
    "cooperation.actor": {"id", "name", "slug", "kind"},
    "cooperation.topic": {"id", "name", "slug"},
    "cooperation.tag": {"id", "name", "slug"},
    **{
        f"cooperation.{name}": {
            "id",
            "title",
            "slug",
            "status",
            "severity",
            "visibility",
            "deleted_at",
            "version",
        }
        for name in ("agreement", "deal", "challenge", "recommendation")
    },
}


def _columns(model) -> list:
    shown = SHOWN_COLUMNS.get(model._meta.label_lower)
    return [
        f
        for f in model._meta.concrete_fields
        if not f.name.startswith(SKIPPED_PREFIX)
        and f.get_internal_type() != "JSONField"
        and (shown is None or f.name in shown)
    ]


def _relation(model, name: str):
    """(related model, the lookup from it back to `model`) for a many-to-many `name`."""
    field = model._meta.get_field(name)
    if isinstance(field, ManyToManyField):
        return field.related_model, field.related_query_name()
    return field.related_model, field.field.name  # the reverse side of another's m2m


def _ordering(model) -> list[str]:
    return [*(model._meta.ordering or []), "pk"]


@functools.cache
def related_rows(model, name: str) -> Subquery:
    """A subquery column: the live rows of `model`'s many-to-many `name` as JSON text.

    Built once a process (it depends on no request): annotating resolves a copy of it."""
    related, back = _relation(model, name)
    columns = _columns(related)
    rows = (
        related._default_manager.filter(**{back: OuterRef("pk")})
        .order_by()
        .values(back)
        .annotate(
            rows=JSONRows(
                json_object({f.attname: f.attname for f in columns}),
                order_by=_ordering(related),
            )
        )
        .values("rows")
    )
    return Subquery(rows, output_field=TextField())


def annotation_name(name: str) -> str:
    return f"_rows_{name}"


def with_related_rows(queryset, names):
    """`queryset` with one JSON column for each many-to-many relation in `names`."""
    model = queryset.model
    return queryset.annotate(**{annotation_name(n): related_rows(model, n) for n in names})


def _python(field, value):
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _sort_key(ordering):
    def key(obj):
        parts = []
        for name in ordering:
            value = getattr(obj, name.lstrip("-"))
            parts.append((value is None, value))
        return parts

    return key


def fill_related(instance, names) -> None:
    """Read each relation's JSON column into its prefetch cache, as prefetch_related would."""
    model = type(instance)
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}
    for name in names:
        related, _ = _relation(model, name)
        columns = _columns(related)
        raw = getattr(instance, annotation_name(name))
        rows = loads(raw) if raw else []
        objects = [
            related.from_db(
                instance._state.db,
                [f.attname for f in columns],
                [_python(f, row.get(f.attname)) for f in columns],
            )
            for row in rows
        ]
        if connections[instance._state.db].vendor != "postgresql":
            ordering = _ordering(related)
            for name_ in reversed(ordering):
                objects.sort(key=_sort_key([name_]), reverse=name_.startswith("-"))
        manager = getattr(instance, name)
        queryset = manager.all()
        queryset._result_cache = objects
        queryset._prefetch_done = True
        cache[manager.prefetch_cache_name if hasattr(manager, "prefetch_cache_name") else name] = (
            queryset
        )


# ---- rows of a reverse foreign key, with the rows they point to ----------------------------

PRIVATE_COLUMNS = ("password", "text")  # never needed on a page; a source's text is large


def _row_columns(model) -> list:
    return [f for f in _columns(model) if f.name not in PRIVATE_COLUMNS]


def _paths(model, select: tuple[str, ...]) -> list[tuple[str, type]]:
    """("", model) and each selected path with the model it reaches."""
    found = [("", model)]
    for path in select:
        current = model
        for part in path.split("__"):
            current = current._meta.get_field(part).related_model
        found.append((path, current))
    return found


def _key(path: str, attname: str) -> str:
    return f"{path}__{attname}" if path else attname


def child_rows(
    model, name: str, *, select: tuple[str, ...] = (), order_by=(), outer="pk", **filters
) -> Subquery:
    """A subquery column: the rows of `model`'s reverse foreign key `name` (filtered by
    `filters`), each with the rows `select` follows, as JSON text in `order_by` order.
    `outer` is the column of the outer query that `model`'s key is read from (a record's
    `spine_id` for what hangs off its spine row, with `model` RecordSpine).

    Built once a process (it depends on no request): annotating resolves a copy of it."""
    return _child_rows(
        model, name, tuple(select), tuple(order_by), outer, tuple(sorted(filters.items()))
    )


@functools.cache
def _child_rows(model, name, select, order_by, outer, filters) -> Subquery:
    filters = dict(filters)
    field = model._meta.get_field(name)
    related, back = field.related_model, field.field.name
    values = {}
    for path, target in _paths(related, select):
        for column in _row_columns(target):
            values[_key(path, column.attname)] = _key(path, column.attname)
    rows = (
        related._default_manager.filter(**{back: OuterRef(outer)}, **filters)
        .order_by()
        .values(back)
        .annotate(rows=JSONRows(json_object(values), order_by=list(order_by) or None))
        .values("rows")
    )
    return Subquery(rows, output_field=TextField())


def _instance(target, row: dict, path: str, db: str):
    columns = _row_columns(target)
    if row.get(_key(path, target._meta.pk.attname)) is None:
        return None
    return target.from_db(
        db,
        [f.attname for f in columns],
        [_python(f, row.get(_key(path, f.attname))) for f in columns],
    )


def read_child_rows(
    instance, name: str, *, select: tuple[str, ...] = (), order_by=(), model=None
) -> list:
    """The instances of a `child_rows` column annotated as `name`, related rows attached
    (`model`: the one `child_rows` was given, when not the instance's own)."""
    model = model or type(instance)
    related = model._meta.get_field(name).related_model
    raw = getattr(instance, annotation_name(name))
    db = instance._state.db
    objects = []
    for row in loads(raw) if raw else []:
        built = {path: _instance(target, row, path, db) for path, target in _paths(related, select)}
        for path, obj in built.items():
            if not path:
                continue
            parent_path, _, attr = path.rpartition("__")
            parent = built.get(parent_path)
            if parent is not None:
                parent._state.fields_cache[attr] = obj
        objects.append(built[""])
    if connections[db].vendor != "postgresql":
        for name_ in reversed(list(order_by)):
            objects.sort(key=_sort_key([name_]), reverse=name_.startswith("-"))
    return objects
