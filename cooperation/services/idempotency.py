"""Idempotency-Key on API POSTs: the first answer is replayed, the write is never repeated.

The keyed POST runs in one transaction (`idempotent_transaction`) that holds, in order:

1. the claim (`idempotency_claim`): on PostgreSQL a transaction-level advisory lock on the
   client's key, taken without waiting, so a second request with the same key arriving
   while the first is still running is refused at once (409, as the draft says) rather
   than queued; then the stored answer, if the key was used before;
2. the write itself, by the service the view calls (its atomic block is a savepoint here);
3. the answer (`idempotency_record`), stored as an IdempotencyKey row.

All three commit together or not at all. A crash or a failed write leaves no key, so the
client's retry runs afresh; a committed write always has its key, so a retry replays it.
On SQLite, where each transaction takes the write lock when it begins (BEGIN IMMEDIATE),
a concurrent duplicate waits for the first to finish and then replays its answer.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cooperation.models import IdempotencyKey


class IdempotencyKeyInFlight(Exception):
    """A request with this key is still being processed."""


class IdempotencyKeyReused(Exception):
    """This key was used for a different request."""


@dataclass(frozen=True)
class KeyedRequest:
    scope: str  # "token:<id>" or "user:<id>"
    key: str
    user: object
    method: str
    path: str
    fingerprint: str


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: dict = field(default_factory=dict)
    body: str = ""


def retention() -> timedelta:
    return timedelta(hours=settings.CONTOURS_IDEMPOTENCY_HOURS)


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with query, and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _advisory_lock_id(scope: str, key: str) -> int:
    digest = hashlib.sha256(f"idempotency\n{scope}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def idempotent_transaction():
    """The one transaction of a keyed POST: claim, write and answer commit together."""
    with transaction.atomic():
        yield


def idempotency_claim(request: KeyedRequest) -> StoredAnswer | None:
    """Inside idempotent_transaction: the answer to replay, or None to go ahead and write.

    Raises IdempotencyKeyInFlight (the same key is in use right now) or
    IdempotencyKeyReused (the key answered a different request).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim runs inside idempotent_transaction().")
    if connection.vendor == "postgresql":
        lock_id = _advisory_lock_id(request.scope, request.key)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
            if not cursor.fetchone()[0]:
                raise IdempotencyKeyInFlight
    stored = IdempotencyKey.objects.filter(scope=request.scope, key=request.key).first()
    if stored is None:
        return None
    if stored.expires_at <= timezone.now():
        stored.delete()  # expired: the key is free again
        return None
    if stored.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused
    return StoredAnswer(status=stored.status, headers=stored.headers, body=stored.body)


def idempotency_record(request: KeyedRequest, answer: StoredAnswer) -> None:
    """Inside idempotent_transaction, after the write: keep its answer for replays."""
    now = timezone.now()
    IdempotencyKey.objects.create(
        scope=request.scope,
        key=request.key,
        user=request.user,
        fingerprint=request.fingerprint,
        method=request.method,
        path=request.path[:2000],
        status=answer.status,
        headers=answer.headers,
        body=answer.body,
        created_at=now,
        expires_at=now + retention(),
    )


def idempotency_keys_purge(*, now=None) -> int:
    """Delete the keys past their retention; the number deleted."""
    expired = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now())
    count, _ = expired.delete()
    return count
