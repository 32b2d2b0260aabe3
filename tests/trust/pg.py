"""A second PostgreSQL session for fault tests: hold locks, watch and terminate other sessions.

It connects to the test database on its own (plain psycopg, not Django), so what it holds
is what another process would hold: a row locked by a long transaction elsewhere.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import psycopg
from django.db import connection

# How long a test waits for the server under test to reach a state (e.g. a request queued
# on a lock). Generous: the machine running CI is shared. Not a timing assertion.
STATE_DEADLINE_SECONDS = 60


def connect(autocommit: bool = False) -> psycopg.Connection:
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "application_name": "contours-fault-test",
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=autocommit)


@contextmanager
def holding(sql: str, params=()):
    """Run `sql` (e.g. SELECT … FOR UPDATE) in an open transaction until the block ends."""
    with connect() as held:
        held.execute(sql, params)
        try:
            yield held
        finally:
            held.rollback()


def _others(monitor: psycopg.Connection, where: str) -> list[int]:
    rows = monitor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND application_name <> 'contours-fault-test' "
        f"AND {where} ORDER BY backend_start",
    ).fetchall()
    return [pid for (pid,) in rows]


def waiting_on_locks(monitor: psycopg.Connection) -> list[int]:
    """Sessions of the application under test waiting for a lock."""
    return _others(monitor, "wait_event_type = 'Lock'")


def wait_for_lock_waiters(monitor: psycopg.Connection, count: int = 1, exclude=()) -> list[int]:
    deadline = time.monotonic() + STATE_DEADLINE_SECONDS
    while True:
        waiting = [pid for pid in waiting_on_locks(monitor) if pid not in exclude]
        if len(waiting) >= count:
            return waiting
        assert time.monotonic() < deadline, f"{count} request(s) never queued on the lock"
        time.sleep(0.02)


def terminate(monitor: psycopg.Connection, pid: int) -> None:
    monitor.execute("SELECT pg_terminate_backend(%s)", [pid])
