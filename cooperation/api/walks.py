"""Walks in an order an edit can change, kept exact by placing moved rows where they stood.

A cursor walk whose order has a key an edit can change (a title, a status, a rank,
`updated`) carries the moment its first page was read, the horizon. Every later page
orders rows *as they stood at the horizon*:

- a row unchanged since (`updated_at` at or before the horizon) is where its columns put it;
- a row changed after it is placed by its history row as of the horizon (the history
  every service write records) and served with its current values.

So every page agrees on where every row belongs, and a row that was visible when the walk
began and still is comes exactly once, however often it is edited meanwhile. A row created
during the walk does not come (it had no place at the horizon), nor one that has left the
caller's view or the list's filters; the change feed reports both.

The merge is ordered by the database, not by Python: titles compare under the column's
collation and NULLs sort as the list sorts them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import FloatField, Value
from django.db.models.functions import Cast

from cooperation.choices import RANKS
from cooperation.models.search import (
    SEARCH_CONFIG,
    SEARCH_WEIGHTS,
    STORED_COLUMNS,
    stored_columns,
    stored_documents,
)
from cooperation.search import normalise_query
from cooperation.search_text import fold


def changed_since(queryset, horizon) -> list:
    """Primary keys of `queryset`'s rows (its filters, its visibility) changed after `horizon`."""
    return list(queryset.filter(updated_at__gt=horizon).order_by().values_list("pk", flat=True))


def last_change(queryset):
    """When a row of `queryset` last changed, as a queryset of at most one value."""
    return queryset.order_by("-updated_at").values_list("updated_at", flat=True)[:1]


def versions_at(model, pks, horizon) -> dict:
    """Each row's history row as it stood at `horizon`; rows that did not exist then, or were
    in the bin, are absent."""
    versions = {}
    history = model.history.model.objects.filter(id__in=pks, history_date__lte=horizon)
    for version in history.order_by("id", "-history_date", "-history_id").iterator():
        versions.setdefault(version.id, version)
    return {
        pk: version
        for pk, version in versions.items()
        if version.history_type != "-" and getattr(version, "deleted_at", None) is None
    }


class KeysAt:
    """The order keys of a row as its history row says they stood."""

    def __init__(self, queryset, keys, request):
        self.model = queryset.model
        self.keys = keys
        self.using = queryset.db
        self.q = (request.query_params.get("q") or "") if request is not None else ""
        self._ranked = {}
        from cooperation.filtersets import StableOrderingFilter

        for name, choices in StableOrderingFilter.RANKED.items():
            self._ranked[f"{name}_rank"] = (name, RANKS[choices])

    def __call__(self, version) -> list:
        return [self._value(key, version) for key in self.keys]

    def _value(self, key, version):
        source = key.source
        if source in self._ranked:
            field, ranks = self._ranked[source]
            return ranks.get(getattr(version, field), len(ranks))
        if source == "search_rank":
            return self._search_rank(version)
        if key.annotation:
            raise LookupError(f"No historical value for the order key {source!r}")
        return getattr(version, key.name)

    def _search_rank(self, version) -> float:
        """The rank `cooperation.search.search` gave the row's text as it stood."""
        q = fold(normalise_query(self.q)).strip()
        key = self.model.search_key
        documents = stored_documents(key, version.instance)
        if connections[self.using].vendor != "postgresql":
            return 1.0 if q in documents[stored_columns(key)[0]] else 0.5
        weights = dict.fromkeys(weight for _, weight in SEARCH_WEIGHTS[key])
        vector = None
        for weight in weights:
            part = SearchVector(
                Value(documents[STORED_COLUMNS[weight]]), weight=weight, config=SEARCH_CONFIG
            )
            vector = part if vector is None else vector + part
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        rank = Cast(SearchRank(vector, query), FloatField())
        rows = self.model._base_manager.using(self.using).filter(pk=version.id)
        return rows.annotate(_rank_then=rank).values_list("_rank_then", flat=True).first()


def database_order(using, keys, cursor: list, candidates: list[tuple]) -> list:
    """The primary keys of `candidates` ((pk, key values)) that sort after `cursor`, in order.

    The database sorts them, from a VALUES list, by the same keys the list uses: the cursor
    row marks where the walk stands.
    """
    connection = connections[using]
    postgres = connection.vendor == "postgresql"

    def placeholder(key) -> str:
        return f"CAST(%s AS {key.db_type(connection)})" if postgres else "%s"

    row_sql = "(" + ", ".join(["%s", *(placeholder(key) for key in keys)]) + ")"
    params = []
    for marker, values in [(0, cursor), *((1, values) for _, values in candidates)]:
        params.append(marker)
        pairs = zip(keys, values, strict=True)
        params.extend(key.prepare(value, connection) for key, value in pairs)
    order = ", ".join(f"column{index + 2} {key.order_sql()}" for index, key in enumerate(keys))
    pk_column = f"column{len(keys) + 1}"
    sql = (
        f"SELECT column1, {pk_column} FROM (VALUES "
        + ", ".join([row_sql] * (len(candidates) + 1))
        + f") AS walk ORDER BY {order}, column1"
    )
    with connection.cursor() as cursor_:
        cursor_.execute(sql, params)
        ordered = cursor_.fetchall()
    at = next(i for i, (marker, _) in enumerate(ordered) if marker == 0)
    cursor_pk = cursor[-1]
    return [pk for marker, pk in ordered[at + 1 :] if pk != cursor_pk]


def merge_changed(base, keys, cursor, horizon, rows, size, request) -> tuple[list, dict]:
    """A page of the walk as of `horizon`: `rows` (unchanged rows after the cursor, by their
    columns) merged with the changed rows whose place at the horizon is after the cursor.

    Returns the page (at most `size + 1` rows) and, for rows placed by their history, the key
    values that placed them (the next cursor must hold those, not the current ones).
    """
    changed = changed_since(base, horizon)
    if not changed:
        return rows, {}
    versions = versions_at(base.model, changed, horizon)
    if not versions:
        return rows, {}
    keys_at = KeysAt(base, keys, request)
    placed = {pk: keys_at(version) for pk, version in versions.items()}
    current = {row.pk: row for row in rows}
    candidates = [(row.pk, [key.value(row) for key in keys]) for row in rows]
    candidates += [(pk, values) for pk, values in placed.items() if pk not in current]
    order = database_order(base.db, keys, cursor, candidates)
    wanted = [pk for pk in order[: size + 1 + len(placed)] if pk in placed and pk not in current]
    current.update((row.pk, row) for row in base.filter(pk__in=wanted))
    page = []
    for pk in order:
        row = current.get(pk)
        if row is not None:
            page.append(row)
            if len(page) == size + 1:
                break
    return page, placed
