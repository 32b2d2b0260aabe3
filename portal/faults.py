"""Transient database failures: which errors they are, and whether a request may be retried.

A transient failure is one that a later attempt may not meet: a dropped connection or a
failover, a lock or statement timeout (portal/database.py), a serialization failure or a
deadlock. It is answered 503 with Retry-After (portal/middleware.py), never a 500.

Retrying inside the request is safe only if nothing the request wrote can have been
committed. `WriteTracker` watches every statement the request runs and knows:

- a write inside a transaction is committed only when its transaction commits; Django
  then runs the transaction's on_commit callbacks, and ours marks the request as having
  committed something. A transaction that rolls back (every exception inside an atomic
  block before its COMMIT) drops its callbacks: nothing of it was written;
- a write in autocommit mode commits by itself, even when the answer is lost on the way
  back: it counts as committed as soon as it is sent;
- a failure *during* COMMIT (the connection dropped while COMMIT was in flight) leaves the
  outcome unknown: the commit may have happened. That is told from where the exception
  was raised (Django's `_commit`), not from its kind.

Some writes are bookkeeping that may be repeated without harm (a session's expiry, a
token's last use, a cache entry, login-failure counters); they do not make a retry unsafe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper


class Kind(StrEnum):
    CONNECTION_LOST = "connection_lost"
    LOCK_TIMEOUT = "lock_timeout"
    STATEMENT_TIMEOUT = "statement_timeout"
    IDLE_TIMEOUT = "idle_in_transaction_timeout"
    SERIALIZATION_FAILURE = "serialization_failure"
    DEADLOCK = "deadlock"
    READ_ONLY = "read_only"  # a failover left us on a standby for a moment
    OVERLOADED = "overloaded"  # too many connections, out of memory or disk
    BUSY = "database_busy"  # SQLite: another process holds the write lock
    BUSY_SERVER = "server_busy"  # every write slot of the process is taken (no database work)


# Worth retrying at once: another attempt, on a fresh connection or a fresh snapshot, is
# likely to pass. Timeouts and overload are not retried: the budget is already spent, and
# a second wait would hold the worker twice as long, which is what took the site down.
RETRYABLE = frozenset({Kind.CONNECTION_LOST, Kind.SERIALIZATION_FAILURE, Kind.DEADLOCK})

_SQLSTATE_KINDS = {
    "40001": Kind.SERIALIZATION_FAILURE,
    "40P01": Kind.DEADLOCK,
    "55P03": Kind.LOCK_TIMEOUT,
    "57014": Kind.STATEMENT_TIMEOUT,
    "25P03": Kind.IDLE_TIMEOUT,
    "25006": Kind.READ_ONLY,
    "57P01": Kind.CONNECTION_LOST,  # admin_shutdown: pg_terminate_backend, a fast shutdown
    "57P02": Kind.CONNECTION_LOST,  # crash_shutdown
    "57P03": Kind.CONNECTION_LOST,  # cannot_connect_now: starting up or shutting down
    "57P05": Kind.CONNECTION_LOST,  # idle_session_timeout
}
_SQLSTATE_CLASS_KINDS = {
    "08": Kind.CONNECTION_LOST,  # connection exception
    "53": Kind.OVERLOADED,  # insufficient resources: too many connections, disk full
}


@dataclass(frozen=True)
class DatabaseFault:
    kind: Kind
    during_commit: bool  # raised by COMMIT itself: the outcome is unknown

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE and not self.during_commit


def _sqlstate(exc: BaseException) -> str | None:
    seen = exc
    while seen is not None:
        state = getattr(seen, "sqlstate", None)
        if state:
            return state
        seen = seen.__cause__
    return None


def _kind(exc: BaseException) -> Kind | None:
    if not isinstance(exc, DatabaseError):
        return None
    state = _sqlstate(exc)
    if state:
        return _SQLSTATE_KINDS.get(state) or _SQLSTATE_CLASS_KINDS.get(state[:2])
    if isinstance(exc, InterfaceError):
        return Kind.CONNECTION_LOST  # "connection already closed"
    if isinstance(exc, OperationalError):
        message = str(exc).lower()
        if "database is locked" in message or "database table is locked" in message:
            return Kind.BUSY
        # psycopg without a SQLSTATE: the server closed the connection, or none could be
        # opened ("connection refused", "consuming input failed").
        return Kind.CONNECTION_LOST
    return None


_COMMIT_CODE = BaseDatabaseWrapper._commit.__code__


def _raised_during_commit(exc: BaseException) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code is _COMMIT_CODE:
            return True
        traceback = traceback.tb_next
    return False


def database_fault(exc: BaseException | None) -> DatabaseFault | None:
    """What transient failure `exc` is, or None if it is none (a bug, bad data, …)."""
    kind = _kind(exc) if exc is not None else None
    if kind is None:
        return None
    return DatabaseFault(kind=kind, during_commit=_raised_during_commit(exc))


# -- what a request wrote -------------------------------------------------------------------

_WRITE = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO|TRUNCATE|CREATE|ALTER|DROP|COPY)"
    r"\s+(?:TABLE\s+)?\"?(\w*)",
    re.IGNORECASE,
)
# Tables whose writes may be repeated: session expiry and data, login-failure counters,
# cache entries (DRF's throttle counts).
_REPEATABLE_TABLES = frozenset(
    {
        "django_session",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
    }
)
# Timestamps of use, each an UPDATE of that one column: a user's last login (Django's
# update_last_login) and a token's last use (accounts.services.api_token_touch).
_TOUCHES = re.compile(
    r'^\s*UPDATE\s+"(?:accounts_user"\s+SET\s+"last_login|accounts_apitoken"\s+SET\s+"last_used_at)"'
    r"\s*=\s*%s\s+WHERE",
    re.IGNORECASE,
)


def _cache_tables() -> frozenset[str]:
    from django.conf import settings

    return frozenset(
        str(cache["LOCATION"])
        for cache in settings.CACHES.values()
        if cache.get("BACKEND", "").endswith("db.DatabaseCache") and cache.get("LOCATION")
    )


def is_lasting_write(sql: str) -> bool:
    """True when `sql` changes data that a repeated request must not change twice."""
    match = _WRITE.match(sql)
    if match is None:
        return False
    table = match.group(1)
    if table in _REPEATABLE_TABLES or table in _cache_tables():
        return False
    return not _TOUCHES.match(sql)


class WriteTracker:
    """An execute wrapper (Django's connection.execute_wrapper) over one request attempt."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.committed = False  # a lasting write may be in the database now
        self.pending = False  # a lasting write waits for its transaction's COMMIT

    def _on_commit(self) -> None:
        self.committed = True
        self.pending = False

    def __call__(self, execute, sql, params, many, context):
        if not is_lasting_write(sql):
            return execute(sql, params, many, context)
        connection = connections[self.alias]
        if connection.in_atomic_block:
            self.pending = True
            # Dropped if the transaction (or the savepoint around this write) rolls back.
            connection.on_commit(self._on_commit)
        else:
            self.committed = True  # autocommit: it commits as it runs
        return execute(sql, params, many, context)

    def saved(self, fault: DatabaseFault) -> bool | None:
        """False: nothing lasting was written. None: it may have been (unknown)."""
        if self.committed or (fault.during_commit and self.pending):
            return None
        return False
