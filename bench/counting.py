"""Counting hooks: SQL statements (Django's execute_wrapper) and Redis round trips.

In the bench's own process (never in the servers it measures):

- `counting()` counts every statement Django sends on the default connection, and every
  Redis round trip, i.e. every write of one or more packed commands by redis-py (a
  pipeline of several commands is one round trip, as it is on the wire);
- `Monitor` watches Redis with MONITOR while real requests reach gunicorn and counts the
  commands that arrive in the bench's database number, as the server sees them.
"""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


@dataclass
class Counts:
    statements: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    redis: int = 0

    @property
    def queries(self) -> int:
        return len(self.statements)

    def as_dict(self) -> dict:
        return {"queries": self.queries, "redis": self.redis, "sql": list(self.statements)}


_active: list[Counts] = []

# The rate-limit check runs inside authentication (a Bearer token is counted before its
# lookup, portal/ratelimit.check_bearer): bench/measure.count_phases counts it apart too,
# under this name, and bench/targets gives its statements and round trips to the throttle.
RATE_LIMIT = "rate limit (within authentication)"


def _count_round_trip() -> None:
    for counts in _active:
        counts.redis += 1


@contextmanager
def counting(using: str = "default"):
    """Counts of SQL statements and Redis round trips made inside the block."""
    from django.db import connections
    from redis.connection import AbstractConnection

    counts = Counts()

    def record(execute, sql, params, many, context):
        counts.statements.append(sql)
        counts.params.append(params)
        return execute(sql, params, many, context)

    # Blocks may nest (bench/measure.count_phases counts the rate-limit check inside
    # authentication): the outermost patches redis-py once, every open block counts.
    outermost = not _active
    original = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        _count_round_trip()
        return original(self, command, check_health)

    _active.append(counts)
    if outermost:
        AbstractConnection.send_packed_command = send_packed_command
    try:
        with connections[using].execute_wrapper(record):
            yield counts
    finally:
        # By identity: two Counts with the same figures are equal.
        _active[:] = [open_ for open_ in _active if open_ is not counts]
        if outermost:
            AbstractConnection.send_packed_command = original


# ---- MONITOR ------------------------------------------------------------------------------

_MONITOR_LINE = re.compile(r'^\+\d+\.\d+ \[(\d+) ([^\]]+)\] "([^"]+)"')


def parse_monitor_line(line: str) -> tuple[int, str, str] | None:
    """(database number, client, command) of one MONITOR line, or None."""
    match = _MONITOR_LINE.match(line)
    if match is None:
        return None
    return int(match.group(1)), match.group(2), match.group(3).upper()


class Monitor:
    """Redis MONITOR in a thread, counting commands that reach one database number."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.password = unquote(parts.password) if parts.password else None
        self.database = int(parts.path.strip("/") or 0)
        self.commands: Counter[str] = Counter()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> Monitor:
        self._socket = socket.create_connection((self.host, self.port), timeout=5)
        reader = self._socket.makefile("rb")
        if self.password:
            self._socket.sendall(f"AUTH {self.password}\r\n".encode())
            reader.readline()
        self._socket.sendall(b"MONITOR\r\n")
        if reader.readline().strip() != b"+OK":
            raise RuntimeError("Redis refused MONITOR")
        self._socket.settimeout(0.2)

        def listen():
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = self._socket.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\r\n")
                for raw in lines:
                    parsed = parse_monitor_line(raw.decode("utf-8", "replace"))
                    if parsed and parsed[0] == self.database:
                        self.commands[parsed[2]] += 1

        self._thread = threading.Thread(target=listen, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
