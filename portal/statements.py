"""Querysets compiled once per process and run again with new values: the API's hot reads.

Building a queryset and compiling it to SQL is Django's work, not the database's: for
the partner API's detail (a record with its links, evidence and timeline as JSON
subqueries, `cooperation.api.record_rows.with_related`) it cost more than the statement
itself, on every request, though the SQL text only ever differs by one id. A `Frozen`
statement is the queryset compiled once, with placeholders where the per-request values
go; `rows()` runs the stored SQL with those values put in and makes the rows into the
model instances Django's ModelIterable would (select_related and annotations included),
with ModelIterable's per-run set-up done once (`_Loader`), so the objects are exactly
those the queryset would have given.

A placeholder is a value the caller builds the queryset with (`PK`, or a text of its own)
that must reach the compiled parameters unchanged, once or more; it is found there by
type and value. Anything else the SQL depends on (who reads, which database, a content
type id) belongs in the key the caller caches the statement under (`frozen`). A
statement that compiles to nothing (`.none()`) is not frozen: `frozen` returns None and
the caller takes its ordinary path.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager, suppress

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models.query import ModelIterable, get_related_populators

try:
    from django.db.models.query import _get_from_db
except ImportError:  # gone with Django 6.1's deprecation of from_db without fetch_mode

    def _get_from_db(model, fetch_mode):
        return functools.partial(model.from_db, fetch_mode=fetch_mode)


logger = logging.getLogger("contours.database")

# An id no row has (ids are positive): stands for the primary key a detail asks for.
PK = -7_301_000_000_000_000_019
# Statements kept per process. The keys are few in practice (a view, a kind of reader, a
# database, a page size); a list's statement holds ~120 KiB (its queryset and compiler),
# so a client walking through every page size costs at most ~8 MiB. Past the limit the
# statement used longest ago goes: the ones every request reads (the token, the session's
# user) stay, however many page sizes a client tries.
_LIMIT = 64
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


class _PlaceholderNotFound(Exception):
    pass


class Frozen:
    """A queryset compiled once; `rows(**values)` runs it with new placeholder values."""

    def __init__(self, queryset, placeholders: dict, context=None, *, generic_plan=False):
        self.queryset = queryset
        self.generic_plan = generic_plan
        # Whatever else the caller worked out while building it (a list's order keys).
        self.context = context
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        if not sql:
            raise EmptyResultSet
        self.sql, self.params = sql, tuple(params)
        self.positions = {}
        for name, placeholder in placeholders.items():
            found = [
                index
                for index, value in enumerate(self.params)
                if type(value) is type(placeholder) and value == placeholder
            ]
            if not found:
                raise _PlaceholderNotFound(name)
            self.positions[name] = found
        # Set up by as_sql (select, klass_info, annotation_col_map): what ModelIterable reads.
        self.compiler = compiler
        self.loader = _Loader.for_statement(queryset, compiler, self.alias)

    def _compiler(self, params: tuple):
        compiler = copy.copy(self.compiler)
        # This thread's connection, not the one the statement was compiled on.
        compiler.connection = connections[self.alias]
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    def rows(self, **values) -> list:
        params = list(self.params)
        for name, indexes in self.positions.items():
            for index in indexes:
                params[index] = values[name]
        connection = connections[self.alias]
        if not (self.generic_plan and _binds_on_server(connection)):
            return self._read(connection, tuple(params))
        with _generic_plans(connection):
            return self._read(connection, tuple(params))

    def _read(self, connection, params: tuple) -> list:
        if self.loader is None:
            # Django's own path: the queryset, with the kept SQL in place of a compilation.
            compiler = self._compiler(params)
            queryset = self.queryset._chain()
            queryset.query.get_compiler = lambda *args, **kwargs: compiler
            return list(queryset)
        # Through Django's cursor as the compiler would run it (its execute wrappers, its
        # error translation), then the rows made into instances as ModelIterable makes them.
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchall()
        return self.loader.load(found, connection)


class _Loader:
    """ModelIterable's work for a kept statement, with what it works out on every run (the
    columns' converters, the model's field names, where each part of a row is) worked
    out once: a token read through the ORM cost ~110 µs of the worker's CPU more than the
    same statement through a cursor, mostly that set-up, and every API request reads one.

    It makes the instances ModelIterable would (Django 6.1's `ModelIterable.__iter__`
    with `results_iter`; tests/portal/test_statements_loader.py fingerprints both so that
    a Django upgrade brings this back for review): `from_db` with the same field names
    and fetch mode, select_related through Django's RelatedPopulator, annotations set as
    attributes, peers when the fetch mode tracks them. The converters are worked out for
    each connection that runs the statement (a thread's own), as Django does for each
    run. The test holds the two to the same instances. A queryset this does not cover
    (prefetches, known related objects, another iterable, composite keys) has no loader
    and goes its own iterable's way.
    """

    def __init__(self, queryset, compiler, alias: str):
        select, klass_info = compiler.select, compiler.klass_info
        self.compiler = compiler
        self.fields = [column[0] for column in select[0 : compiler.col_count]]
        self.select, self.klass_info = select, klass_info
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.annotations = tuple((compiler.annotation_col_map or {}).items())
        # The database the SQL runs on (the statement's key names it).
        self.db = alias
        self.fetch_mode = queryset._fetch_mode
        self.from_db = _get_from_db(klass_info["model"], self.fetch_mode)
        # RelatedPopulators keep the peers they loaded when the fetch mode tracks them:
        # then they are made for each run, otherwise once.
        self.populators = (
            None
            if self.fetch_mode.track_peers
            else get_related_populators(klass_info, select, alias, self.fetch_mode)
        )
        self._converters = weakref.WeakKeyDictionary()

    @classmethod
    def for_statement(cls, queryset, compiler, alias: str) -> _Loader | None:
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or compiler.klass_info is None
            or compiler.has_composite_fields(
                [column[0] for column in compiler.select[0 : compiler.col_count]]
            )
        ):
            return None
        return cls(queryset, compiler, alias)

    def converters(self, connection) -> tuple:
        """The columns' converters on `connection` (results_iter asks for them each run)."""
        found = self._converters.get(connection)
        if found is None:
            compiler = copy.copy(self.compiler)
            compiler.connection = connection
            found = tuple(compiler.get_converters(self.fields).items())
            self._converters[connection] = found
        return found

    def load(self, found: list, connection) -> list:
        # Rows hold no column past the select's (an extra select's ordering columns are
        # cut, as execute_sql cuts them) before they are converted.
        if self.compiler.has_extra_select:
            found = [row[: self.compiler.col_count] for row in found]
        converters = self.converters(connection)
        db, init_list, from_db = self.db, self.init_list, self.from_db
        start, end, annotations = self.start, self.end, self.annotations
        populators = self.populators
        if populators is None:
            populators = get_related_populators(self.klass_info, self.select, db, self.fetch_mode)
        peers = [] if self.fetch_mode.track_peers else None
        objects = []
        for row in found:
            if converters:
                row = list(row)
                for position, (functions, expression) in converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            obj = from_db(db, init_list, row[start:end])
            if peers is not None:
                peers.append(weakref.ref(obj))
                obj._state.peers = peers
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def _binds_on_server(connection) -> bool:
    """Whether statements reach PostgreSQL with their values as parameters, so that it can
    keep a plan for them: without server-side binding (the default) psycopg writes the
    values into the SQL, and each text is planned as it comes."""
    return connection.vendor == "postgresql" and bool(
        connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )


@contextmanager
def _generic_plans(connection):
    """PostgreSQL's generic plans for what runs inside, on this connection.

    A prepared statement is planned for its values (a custom plan) unless its plan for
    any values (generic) looks no costlier. For a later page of a list (its cursor's
    values as parameters) PostgreSQL kept choosing custom plans, and planning that
    statement, with its dozen sub-selects, took ~4 ms of each request: more than running
    it. Its generic plan reads the same index in the same order. The setting is put back
    at once. If that fails, the connection failed with it: it is closed, so no session
    keeps the setting (inside a transaction, whose rollback undoes the setting, the
    failure is raised, unless the statement's own error already is).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    try:
        yield
    except BaseException:
        _reset_plans(connection, raising=False)
        raise
    _reset_plans(connection, raising=True)


def _reset_plans(connection, *, raising: bool) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")
    except DatabaseError:
        logger.warning("could not reset plan_cache_mode; closing the connection")
        if not connection.in_atomic_block:
            connection.close()
        if raising:
            raise


# Kept under a key whose statement cannot be frozen, so the caller is not made to build it
# again on every request only to learn that.
_NOT_KEPT = object()


def frozen(key, build, placeholders, *, generic_plan=False) -> Frozen | None:
    """The statement cached under `key`, built on first use: `build()` returns the queryset,
    or (queryset, context) to keep the context with it; `placeholders` is a dict, or a
    function of the context giving one. None, remembered under the key, when it compiles
    to no SQL at all (an empty queryset) or a placeholder does not reach the parameters
    unchanged (a database that adapts the value, as SQLite turns a datetime into text).
    `generic_plan`: run it under PostgreSQL's generic plans (see _generic_plans)."""
    statement = _cache.get(key)
    if statement is not None:
        # Another thread may have let it go meanwhile: it was used all the same.
        with _lock, suppress(KeyError):
            _cache.move_to_end(key)
        return None if statement is _NOT_KEPT else statement
    built = build()
    queryset, context = built if isinstance(built, tuple) else (built, None)
    if callable(placeholders):
        placeholders = placeholders(context)
    try:
        statement = Frozen(queryset, placeholders, context, generic_plan=generic_plan)
    except (EmptyResultSet, _PlaceholderNotFound):
        statement = _NOT_KEPT
    with _lock:
        _cache[key] = statement
        while len(_cache) > _LIMIT:
            _cache.popitem(last=False)
    return None if statement is _NOT_KEPT else statement


def clear() -> None:
    """Forget every statement (tests that change what a statement depends on)."""
    with _lock:
        _cache.clear()
