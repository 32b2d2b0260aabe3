"""Cursor (keyset) pagination over any order the FilterSets produce, with no COUNT query.

The cursor holds the ordering keys of the last row of a page; the next page is
the rows strictly after it in that order (lexicographically over every key, the
primary key last), so a deep page costs what the first one does and rows added
meanwhile never shift a page. NULLs sort first ascending and last descending
on every database, so SQLite and PostgreSQL page alike.

A cursor is signed (django.core.signing) with a salt naming the list's model and its
order: one the server did not issue — forged, edited, truncated, or taken from another
list or another order — is a 400 before any of it reaches SQL. Its values keep their
full precision and type (a timestamp to the microsecond, a Decimal, a date): a cursor
that rounded a timestamp to the millisecond made every row of that millisecond come
back on the next page.

A walk is exact: every row visible when it began and still visible comes exactly once,
in the order the list had then. When the order has a key an edit can change (a title,
`updated`, a rank), the cursor also carries the moment the walk began (its horizon), and
later pages place a row changed after it where its history says it stood then
(cooperation/api/walks.py). A row created during such a walk does not come; in an order
no edit changes (`created`, the id) it comes once if its place is still ahead. The change
feed is how a client learns of both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, FloatField, ForeignObjectRel, Q, Subquery
from django.db.models.functions import Cast
from django.db.models.sql.where import WhereNode
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from cooperation.api import walks
from portal import statements

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_SCALARS = (str, int, float, bool, type(None))
# Keys no edit changes: an order on these alone needs no walk horizon.
_IMMUTABLE = frozenset({"created_at"})


def _pack(value):
    """A JSON value that unpacks to exactly `value` (type and precision)."""
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, _SCALARS):
        return value
    raise TypeError(f"A cursor cannot hold {type(value).__name__}")


def _unpack(value):
    if isinstance(value, dict):
        ((kind, text),) = value.items()
        return {"dt": datetime.fromisoformat, "d": date.fromisoformat, "dec": Decimal}[kind](text)
    if not isinstance(value, _SCALARS):
        raise TypeError(type(value).__name__)
    return value


class OrderKey:
    def __init__(self, queryset, term: str):
        self.descending = term.startswith("-")
        name = term.lstrip("-")
        model = queryset.model
        self.nullable = False
        # A column that can hold no NULL is ordered without a NULLS clause, so that
        # PostgreSQL can walk a plain index on it (an index matches ASC NULLS LAST only).
        self.never_null = False
        self.annotation = name in queryset.query.annotations
        if name == "pk":
            self.field = model._meta.pk
            name = self.field.attname
            self.never_null = True
        elif self.annotation:
            self.field = queryset.query.annotations[name].output_field
        else:
            self.field = model._meta.get_field(name)
            if self.field.is_relation:
                name = self.field.attname  # order by the id, not the related model's ordering
            self.nullable = self.field.null
            self.never_null = not self.field.null
        self.name = name
        # What the key is read from (a rank annotation's name even when the page orders by
        # a cast of it): cooperation.api.walks finds its value in a history row by it.
        self.source = name

    def db_type(self, connection) -> str:
        return self.field.cast_db_type(connection)

    def prepare(self, value, connection):
        if value is None or self.annotation:
            return value
        return self.field.get_db_prep_value(value, connection)

    def order_sql(self) -> str:
        if self.never_null:
            return "DESC" if self.descending else "ASC"
        return "DESC NULLS LAST" if self.descending else "ASC NULLS FIRST"

    def order(self):
        expression = F(self.name)
        if self.never_null:
            return expression.desc() if self.descending else expression.asc()
        if self.descending:
            return expression.desc(nulls_last=True)
        return expression.asc(nulls_first=True)

    def bound(self, value) -> Q | None:
        """A range every later row lies in (this key at or past `value`), or None.

        Redundant with the cursor's OR of branches, but an index can start from it,
        so a deep page reads from the cursor on instead of from the first row.
        """
        if value is None or not self.never_null:
            return None
        return Q(**{f"{self.name}__{'lte' if self.descending else 'gte'}": value})

    def value(self, row):
        return getattr(row, self.name)

    def after(self, value) -> Q | None:
        """Rows after `value` in this key's order, or None when none can be."""
        if self.descending:
            if value is None:
                return None
            after = Q(**{f"{self.name}__lt": value})
            return after | Q(**{f"{self.name}__isnull": True}) if self.nullable else after
        if value is None:
            return Q(**{f"{self.name}__isnull": False})
        return Q(**{f"{self.name}__gt": value})

    def equal(self, value) -> Q:
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def order_keys(queryset) -> list[OrderKey]:
    terms = [t for t in queryset.query.order_by if isinstance(t, str)]
    if not terms:
        terms = list(queryset.model._meta.ordering or [])
    terms = [t for t in terms if isinstance(t, str) and t != "?"]
    keys = [OrderKey(queryset, term) for term in terms]
    pk = queryset.model._meta.pk.attname
    if not any(key.name == pk for key in keys):
        descending = bool(keys) and keys[0].descending
        keys.append(OrderKey(queryset, "-pk" if descending else "pk"))
    # Keys after the primary key can never break a tie.
    cut = next(i for i, key in enumerate(keys) if key.name == pk)
    return keys[: cut + 1]


def _first_rows(queryset, count: int):
    """The first `count` rows of `queryset`, in its order.

    A ranked search on PostgreSQL is ordered by a rank only known after reading every
    match, so the planner builds every match's row (its author, its JSON columns) before
    sorting. Choosing the page's ids first, from the matches' own columns, and building
    only those rows reads the matches once, narrowly; the order is the same (the outer
    statement sorts the page by the same keys).
    """
    if (
        "search_rank" not in queryset.query.annotations
        or connections[queryset.db].vendor != "postgresql"
        or queryset.query.distinct  # its sub-select would have to carry the order's columns
    ):
        return queryset[:count]
    chosen = queryset.values("pk")[:count]
    return _rows_chosen(queryset, chosen)[:count]


def _rows_chosen(queryset, chosen):
    """`queryset`'s rows whose ids `chosen` picked, without asking its filters again.

    `chosen` was picked under every filter of `queryset` (who may read what, the search
    match, the rest), so the rows it names pass them all: asking again only cost time (the
    search match recomputed each row's document, ~2 ms a page at 100,000 records). A query
    that joins a table one row can have several of (a filter on a link) keeps its filters:
    without them the join would repeat a row once per related row.
    """
    query = queryset.query
    base = query.get_initial_alias()
    if (
        query.group_by is not None
        or query.extra_tables
        or not all(_single_valued(join) for alias, join in query.alias_map.items() if alias != base)
    ):
        return queryset.filter(pk__in=chosen)
    outer = queryset.all()
    outer.query.where = WhereNode()
    return outer.filter(pk__in=chosen)


def _single_valued(join) -> bool:
    """A join along a foreign key (to its one target), never back along one or through a
    many-to-many table: it adds no row, and drops none a filter on it let through."""
    field = getattr(join, "join_field", None)
    return (
        field is not None
        and not isinstance(field, ForeignObjectRel)
        and (field.many_to_one or field.one_to_one)
    )


def _after(queryset, keys, values):
    """`queryset` narrowed to the rows after the cursor row whose keys are `values`."""
    branches, equal = [], Q()
    for key, value in zip(keys, values, strict=True):
        after = key.after(value)
        if after is not None:
            branches.append(equal & after)
        equal &= key.equal(value)
    queryset = queryset.filter(reduce(or_, branches)) if branches else queryset.none()
    bound = keys[0].bound(values[0])
    return queryset if bound is None else queryset.filter(bound)


# Stand-ins for a cursor's values in a statement compiled once (portal/statements.py): no
# row holds them, and each key of an order gets its own, so each is found in the compiled
# parameters by type and value. A key of another type takes the ordinary path.
_CURSOR_STANDINS = {
    datetime: lambda index: datetime(1901, 2, 3, 4, 5, 6, 7_001 + index, tzinfo=UTC),
    int: lambda index: statements.PK - 1 - index,
    str: lambda index: f"\x01contours cursor stand-in {index}\x01",
}
_KINDS = {
    "DateTimeField": datetime,
    "AutoField": int,
    "BigAutoField": int,
    "CharField": str,
    "SlugField": str,
}
# The walk's horizon (an order an edit can change): its own stand-in.
_HORIZON = datetime(1901, 2, 3, 4, 5, 6, 9_001, tzinfo=UTC)
# A later page's column saying when a row of its list last changed.
_LAST_CHANGE = "contours_list_last_change"


def _standins(keys) -> dict | None:
    """Placeholder name → stand-in for each key, or None when a key has no stand-in."""
    found = {}
    for index, key in enumerate(keys):
        kind = _KINDS.get(key.field.get_internal_type())
        if kind is None or key.nullable or key.annotation:
            return None
        found[f"key{index}"] = _CURSOR_STANDINS[kind](index)
    return found


class KeysetCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        """The page size asked for; outside 1..MAX_PAGE_SIZE is a 400, never clamped."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        text = raw.strip()
        if not text.isdecimal() or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"A whole number from 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
                    ]
                }
            )
        return int(text)

    def _signature(self, keys) -> str:
        return ",".join(("-" if k.descending else "") + k.name for k in keys)

    def _salt(self, queryset, keys) -> str:
        return f"contours.cursor:{queryset.model._meta.label_lower}:{self._signature(keys)}"

    def _decode(self, request, queryset, keys) -> tuple[list, datetime | None] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            payload = signing.loads(raw, salt=self._salt(queryset, keys))
            values = [_unpack(v) for v in payload["v"]]
            horizon = payload.get("h")
            horizon = None if horizon is None else datetime.fromisoformat(horizon)
        except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError):
            # A cursor we did not issue (or one signed with a key since retired).
            raise exceptions.ValidationError(
                {"cursor": ["Invalid cursor: use the `next` link of a page of this list."]}
            ) from None
        if len(values) != len(keys):
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]})
        return values, horizon

    def _encode(self, queryset, keys, values, horizon) -> str:
        payload = {"v": [_pack(v) for v in values]}
        if horizon is not None:
            payload["h"] = horizon.isoformat()
        return signing.dumps(payload, salt=self._salt(queryset, keys), compress=True)

    @staticmethod
    def _has_updated_at(model) -> bool:
        try:
            model._meta.get_field("updated_at")
        except FieldDoesNotExist:
            return False
        return True

    def _ordered(self, queryset):
        """The queryset in its keys' order (the last a primary key), and those keys."""
        keys = order_keys(queryset)
        for index, key in enumerate(keys):
            annotation = queryset.query.annotations.get(key.name)
            if annotation is not None and isinstance(annotation.output_field, FloatField):
                # PostgreSQL ranks are `real`; read back as a double the value compares equal
                # to itself, so the cursor's "same rank" branch finds the row it came from.
                alias = f"cursor_key_{index}"
                queryset = queryset.annotate(**{alias: Cast(key.name, FloatField())})
                key.name = alias
                key.field = FloatField()
        return queryset.order_by(*(key.order() for key in keys)), keys

    def _mutable(self, queryset, keys) -> bool:
        pk = queryset.model._meta.pk.attname
        return self._has_updated_at(queryset.model) and any(
            key.name not in _IMMUTABLE and key.name != pk for key in keys
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        queryset, keys = self._ordered(queryset)
        mutable = self._mutable(queryset, keys)
        decoded = self._decode(request, queryset, keys)
        base = queryset
        horizon = None
        placed = {}
        if decoded is None:
            # The walk begins: rows changed after now are left out of its later pages.
            horizon = timezone.now() if mutable else None
        else:
            values, horizon = decoded
            queryset = _after(queryset, keys, values)
            if horizon is not None:
                queryset = queryset.filter(updated_at__lte=horizon)
        rows = list(_first_rows(queryset, size + 1))
        if decoded is not None and horizon is not None:
            rows, placed = walks.merge_changed(base, keys, values, horizon, rows, size, request)
        return self._page(queryset, keys, rows, size, horizon, placed)

    def _page(self, queryset, keys, rows, size, horizon, placed):
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            last = placed.get(rows[-1].pk) or [key.value(rows[-1]) for key in keys]
            self.next_cursor = self._encode(queryset, keys, last, horizon)
        return rows

    def paginate_first_page(self, request, build, key):
        """The first page of a list asked for with no filter and no cursor (what partners
        mostly ask for): the same rows and cursor as paginate_queryset(build(), request),
        from a statement compiled once per `key` and page size (portal/statements.py).
        `key` names everything the statement depends on besides the page size."""
        self.request = request
        size = self.get_page_size(request)

        def prepare():
            queryset, keys = self._ordered(build())
            return queryset[: size + 1], (keys, self._mutable(queryset, keys))

        statement = statements.frozen((*key, size), prepare, {})
        if statement is None:  # nothing to read
            return self.paginate_queryset(build(), request)
        keys, mutable = statement.context
        rows = statement.rows()
        horizon = timezone.now() if mutable else None
        return self._page(statement.queryset, keys, rows, size, horizon, {})

    def paginate_after_cursor(self, request, build, key):
        """A later page of a list asked for with no filter (a cursor and perhaps a page
        size): the same rows and cursor as paginate_queryset(build(), request), from a
        statement compiled once per `key` and page size with the cursor's values (and its
        walk's horizon) as placeholders.

        In an order an edit can change, the page's statement also says when a row of the
        list last changed (one value for the statement, `walks.last_change`); if that is
        after the walk's horizon, the page is read again on the ordinary path, which places
        changed rows by their history (cooperation/api/walks.py). So does an empty page
        (it carries no such value), a key with no stand-in, and a database that adapts
        the values (SQLite turns a datetime into text).
        """
        self.request = request
        size = self.get_page_size(request)

        def prepare():
            queryset, keys = self._ordered(build())
            standins = _standins(keys)
            if standins is None:
                return queryset.none(), None  # compiles to nothing: not kept
            page = _after(queryset, keys, list(standins.values()))
            mutable = self._mutable(queryset, keys)
            if mutable:
                page = page.filter(updated_at__lte=_HORIZON).annotate(
                    **{_LAST_CHANGE: Subquery(walks.last_change(queryset))}
                )
                standins["horizon"] = _HORIZON
            return page[: size + 1], (keys, standins, mutable)

        statement = statements.frozen(
            (*key, size, "after"),
            prepare,
            lambda context: context[1] if context else {},
            generic_plan=True,  # planned for each cursor's values, it cost ~4 ms a page
        )
        if statement is None:
            return self.paginate_queryset(build(), request)
        keys, standins, mutable = statement.context
        decoded = self._decode(request, statement.queryset, keys)
        if decoded is None:  # an empty cursor is no cursor
            return self.paginate_queryset(build(), request)
        values, horizon = decoded
        given = [*values, horizon] if mutable else values
        if any(
            type(value) is not type(standin)
            for value, standin in zip(given, standins.values(), strict=True)
        ):
            return self.paginate_queryset(build(), request)
        rows = statement.rows(**dict(zip(standins, given, strict=True)))
        if mutable and (not rows or getattr(rows[0], _LAST_CHANGE) > horizon):
            return self.paginate_queryset(build(), request)
        return self._page(statement.queryset, keys, rows, size, horizon, {})

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {DEFAULT_PAGE_SIZE}, at most "
                f"{MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
