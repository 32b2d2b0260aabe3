"""Read replicas: partner API reads go to streaming replicas, everything else to the primary.

Configured by DATABASE_REPLICA_URLS (portal/settings.py; docs/deployment.md, "PostgreSQL
read replicas"). Without it nothing here is installed and every query goes to `default`.

Which queries a replica may answer is decided per request, by `ReplicaReadMiddleware`:

- only safe requests (GET, HEAD, OPTIONS) under /api/: the partner API's reads. Web pages,
  the admin and every write stay on the primary, so nothing a person edits, and no version
  check a service makes under `select_for_update`, is ever decided on a lagging copy;
- never inside a transaction: a read in an atomic block is on the primary with the rest
  of it (`ReplicaRouter.db_for_read`);
- read-your-writes: after a client writes (any unsafe request, by its credential: the
  Authorization header or the session cookie), the primary's WAL position is kept in the
  shared cache, and that client reads from a replica only once the replica has replayed
  up to it. Until then its reads go to the primary. Others are not held back;
- a replica further behind than DATABASE_REPLICA_MAX_LAG_SECONDS, or unreachable, is
  out of the rotation until a later check (every DATABASE_REPLICA_CHECK_SECONDS, per
  process) finds it fit. A replica that fails during a request marks itself out, and the
  request's one retry (portal/middleware.py) reads from the primary.

A token revoked on the primary may still authenticate a read on a replica for as long as
the replica lags: at most DATABASE_REPLICA_MAX_LAG_SECONDS.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger("contours.database")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PIN_KEY = "contours:replica-pin:"

# The replica this request's reads may use; None: the primary.
_read_alias: ContextVar[str | None] = ContextVar("contours_read_alias", default=None)


def replica_aliases() -> tuple[str, ...]:
    return tuple(getattr(settings, "CONTOURS_REPLICAS", ()))


class ReplicaRouter:
    """Reads to the request's replica (if the middleware chose one), writes to the primary."""

    def db_for_read(self, model, **hints):
        alias = _read_alias.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        # Explicit: without it Django writes an instance back to the database it was read
        # from, which for a replica is a read-only server.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


# -- which replicas are fit ---------------------------------------------------------------

# How far behind a replica is, in seconds: 0 when it has replayed all it received.
_LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() "
    "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class _Health:
    """Per process: when each replica was last checked and whether it was fit."""

    def __init__(self):
        self._lock = threading.Lock()
        self._checked: dict[str, tuple[float, bool]] = {}

    def fit(self, alias: str) -> bool:
        now = time.monotonic()
        with self._lock:
            checked_at, fit = self._checked.get(alias, (float("-inf"), False))
        if now - checked_at < settings.CONTOURS_REPLICA_CHECK_SECONDS:
            return fit
        fit = _check(alias)
        with self._lock:
            self._checked[alias] = (now, fit)
        return fit

    def mark_down(self, alias: str) -> None:
        with self._lock:
            self._checked[alias] = (time.monotonic(), False)


health = _Health()


def _check(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        logger.warning("replica %s is out of the rotation: %s", alias, _first_line(exc))
        connections[alias].close()
        return False
    if lag > settings.CONTOURS_REPLICA_MAX_LAG_SECONDS:
        logger.warning("replica %s is out of the rotation: %.1f s behind", alias, lag)
        return False
    return True


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _replayed(alias: str, lsn: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        health.mark_down(alias)
        connections[alias].close()
        return False


# -- read-your-writes ---------------------------------------------------------------------


def _credential(request) -> str | None:
    """Who the client is, before authentication: its token or its session, hashed."""
    secret = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not secret:
        return None
    return hashlib.sha256(secret.encode()).hexdigest()[:40]


def _pin(credential: str) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    # The pin outlives the longest lag a replica may have and still serve; after that the
    # lag check keeps a slower replica out of the rotation anyway.
    cache.set(_PIN_KEY + credential, lsn, timeout=settings.CONTOURS_REPLICA_PIN_SECONDS)


def choose_replica(request) -> str | None:
    """A fit replica that has seen this client's own writes, or None for the primary."""
    credential = _credential(request)
    pinned = cache.get(_PIN_KEY + credential) if credential else None
    candidates = list(replica_aliases())
    random.shuffle(candidates)
    for alias in candidates:
        if health.fit(alias) and (pinned is None or _replayed(alias, pinned)):
            return alias
    return None


class ReplicaReadMiddleware:
    """Chooses where this request's reads go; remembers a client's writes (see above).

    Placed inside TransientDatabaseErrorMiddleware, so that its one retry of a read that
    failed on a replica chooses again, without that replica.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads_anywhere = request.method in _SAFE_METHODS and request.path.startswith("/api/")
        alias = choose_replica(request) if reads_anywhere else None
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if alias is not None and getattr(request, "_contours_database_fault", None):
            health.mark_down(alias)
        if request.method not in _SAFE_METHODS:
            credential = _credential(request)
            if credential:
                try:
                    _pin(credential)
                except DatabaseError as exc:  # the answer stands; only the pin is lost
                    logger.warning("could not pin a writer to the primary: %s", _first_line(exc))
        return response
