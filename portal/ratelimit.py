"""Rate-limit counters in the default cache, and the IETF RateLimit header fields.

Each policy counts in fixed windows that start with a client's first request: the first
request of a window creates its counter with the window's lifetime, later ones add one.
So the count left and the seconds until it resets are exact, and advertised as
draft-ietf-httpapi-ratelimit-headers (draft 09 and later) spells them:

    RateLimit-Policy: "client";q=1200;w=60
    RateLimit: "client";r=1187;t=42

With Redis (production, portal/caches.py) one check is one round trip: SET NX EX, INCR
and TTL in one pipeline, atomic per command, so concurrent requests of one client are all
counted. Other caches (the in-process one of `make run` and the tests, the database
fallback) use portable cache calls, a few per check.

A Bearer request is checked once, before its token is looked up (`check_bearer`): with
Redis one Lua script reads the address's failed-token count and, unless that is over its
rate, counts the request against the token's own bucket, so an API request with an
accepted token costs one round trip. The bucket is named by a hash of the token as sent,
keyed with the SECRET_KEY, not by its prefix (which is not secret): a forger's guesses
count in buckets of their own, never against the quota of the token whose prefix they
borrow. The count is noted on the request only once the token proves valid
(`ClientRateThrottle`), so a refused token's answer carries the `token_failure` fields
alone, and its bucket is deleted in the round trip that counts the failure.
Upgrading from `token-<id>` buckets restarts each token's count once.

Policies (their rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read per request):
`client` per token or logged-in user, `anon` per address without credentials, and
`token_failure` per address for Bearer tokens that failed: once over it, every Bearer
token from that address is refused with 429 before it is looked up.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions
from rest_framework.settings import api_settings

from accounts.security import client_ip

TOKEN_FAILURE = "token_failure"
_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Where the quotas a request was counted against are kept (on the Django HttpRequest).
_ATTRIBUTE = "_contours_ratelimit"


@dataclass(frozen=True)
class Quota:
    policy: str
    limit: int
    window: int  # seconds
    used: int
    reset: int  # seconds until the window ends and the count starts again

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def rate(policy: str) -> tuple[int, int] | None:
    """(requests, seconds) of a policy's rate "N/second|minute|hour|day", or None (no limit)."""
    value = api_settings.DEFAULT_THROTTLE_RATES.get(policy)
    if not value:
        return None
    count, _, period = value.partition("/")
    return int(count), _DURATIONS[period.strip()[0]]


def _redis_count(key: str, window: int, *, hit: bool, forget: str | None = None) -> tuple[int, int]:
    key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(key, write=hit or forget is not None)
    pipeline = client.pipeline(transaction=False)
    if forget is not None:
        pipeline.delete(cache.make_and_validate_key(forget))
    if hit:
        pipeline.set(key, 0, ex=window, nx=True)
        pipeline.incr(key)
        pipeline.ttl(key)
        *_, used, ttl = pipeline.execute()
    else:
        pipeline.get(key)
        pipeline.ttl(key)
        *_, raw, ttl = pipeline.execute()
        used = int(raw or 0)
    if hit and ttl == -1:
        # The counter expired between SET NX and INCR, which made a new one without a
        # lifetime: give it one, or it would count forever.
        client.expire(key, window)
        ttl = window
    return used, ttl if ttl > 0 else window


def _portable_count(key: str, window: int, *, hit: bool) -> tuple[int, int]:
    now = time.time()
    ends_key = f"{key}:ends"
    ends = cache.get(ends_key)
    if ends is None or ends <= now:
        if not hit:
            return 0, window
        ends = now + window
        cache.set_many({key: 1, ends_key: ends}, timeout=window)
        return 1, window
    if not hit:
        return cache.get(key, 0), math.ceil(ends - now)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=math.ceil(ends - now))
        used = 1
    return used, math.ceil(ends - now)


def count(policy: str, ident: str, *, hit: bool = True, forget: str | None = None) -> Quota | None:
    """Count one request of `ident` against `policy` (or only look, hit=False); `forget`
    names another counter to delete on the way (a refused token's bucket)."""
    limits = rate(policy)
    if limits is None:
        if forget is not None:
            _forget(forget)
        return None
    limit, window = limits
    key = f"ratelimit:{policy}:{ident}"
    if _is_redis():
        used, reset = _redis_count(key, window, hit=hit, forget=forget)
    else:
        used, reset = _portable_count(key, window, hit=hit)
        if forget is not None:
            _forget(forget)
    return Quota(policy, limit, window, used, max(1, min(reset, window)))


def _forget(key: str) -> None:
    cache.delete_many([key, f"{key}:ends"])


def _is_redis() -> bool:
    return isinstance(caches["default"], RedisCache)


def note(request, quota: Quota | None) -> None:
    """Remember a quota this request was counted against, for its RateLimit fields."""
    if quota is None:
        return
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    quotas = getattr(request, _ATTRIBUTE, None)
    if quotas is None:
        quotas = {}
        setattr(request, _ATTRIBUTE, quotas)
    quotas[quota.policy] = quota


def add_fields(request, response):
    """RateLimit-Policy and RateLimit for the quotas this request was counted against."""
    request = getattr(request, "_request", request)
    quotas = list(getattr(request, _ATTRIBUTE, {}).values())
    if quotas:
        response["RateLimit-Policy"] = ", ".join(
            f'"{q.policy}";q={q.limit};w={q.window}' for q in quotas
        )
        response["RateLimit"] = ", ".join(
            f'"{q.policy}";r={q.remaining};t={q.reset}' for q in quotas
        )
    return response


def _refuse_if_exceeded(request, failures: Quota | None) -> None:
    if failures is not None and failures.used >= failures.limit:
        note(
            request,
            Quota(
                failures.policy, failures.limit, failures.window, failures.limit + 1, failures.reset
            ),
        )
        raise exceptions.Throttled(
            wait=failures.reset,
            detail=f"Too many failed tokens from your address; "
            f"try again in {failures.reset} seconds.",
        )


CLIENT = "client"
# Where check_bearer leaves the token's count until the token proves valid, and its key.
_BEARER_ATTRIBUTE = "_contours_bearer_quota"
_BUCKET_ATTRIBUTE = "_contours_bearer_bucket"


def token_bucket(plaintext: str) -> str:
    """The client bucket of a Bearer token as sent: a hash keyed with the SECRET_KEY, so the
    shared cache never holds the token, the hash the database keeps or anything that could
    be checked against a guess; and each distinct string has its own."""
    digest = hashlib.blake2b(
        plaintext.encode("utf-8"), digest_size=16, key=_bucket_key(settings.SECRET_KEY)
    ).hexdigest()
    return f"bearer-{digest}"


@functools.cache
def _bucket_key(secret: str) -> bytes:
    # blake2b takes a key of at most 64 bytes; rotating the secret starts every bucket anew.
    return hashlib.sha256(f"contours-rate:{secret}".encode()).digest()


def check_bearer(request, plaintext: str | None) -> None:
    """Before a Bearer token is looked up: 429 if the address failed too many tokens, and
    otherwise the request counted against the token's bucket (kept for `bearer_quota`).

    `plaintext` is None for a header that holds no well-formed token: it can only fail, so
    only the failures are read and no bucket is made for it.
    """
    ip = client_ip(request) or "unknown"
    failure_rate = rate(TOKEN_FAILURE)
    client_rate = rate(CLIENT) if plaintext is not None else None
    failure_key = f"ratelimit:{TOKEN_FAILURE}:{ip}"
    client_key = f"ratelimit:{CLIENT}:{token_bucket(plaintext)}" if plaintext is not None else None
    django_request = getattr(request, "_request", request)
    if _is_redis():
        failures, client = _redis_check_bearer(failure_key, failure_rate, client_key, client_rate)
        _refuse_if_exceeded(request, failures)
    else:
        _refuse_if_exceeded(request, count(TOKEN_FAILURE, ip, hit=False))
        client = None
        if client_rate is not None:
            used, reset = _portable_count(client_key, client_rate[1], hit=True)
            client = _quota(CLIENT, client_rate, used, reset)
    if client_key is not None and client_rate is not None:
        setattr(django_request, _BEARER_ATTRIBUTE, client)
        # Forgotten if the token is refused (count_token_failure): guesses leave no buckets.
        setattr(django_request, _BUCKET_ATTRIBUTE, client_key)


def bearer_quota(request) -> tuple[bool, Quota | None]:
    """(counted, quota): whether check_bearer counted this request, and the token's quota."""
    request = getattr(request, "_request", request)
    if not hasattr(request, _BEARER_ATTRIBUTE):
        return False, None
    return True, getattr(request, _BEARER_ATTRIBUTE)


def _quota(policy: str, limits: tuple[int, int], used: int, reset: int) -> Quota:
    limit, window = limits
    return Quota(policy, limit, window, used, max(1, min(reset, window)))


# One round trip for check_bearer: the failure count read, and (unless it is over its
# limit) the client counter created with its window or advanced, atomically. ARGV: the
# failure limit and the client window, "" for a policy without a rate. Returns
# {failures, failure ttl, used, ttl}; used is -1 when the client was not counted.
_CHECK_BEARER = """
local failures, failure_ttl = 0, -2
if ARGV[1] ~= '' then
  failures = tonumber(redis.call('GET', KEYS[1]) or '0')
  failure_ttl = redis.call('TTL', KEYS[1])
  if failures >= tonumber(ARGV[1]) then return {failures, failure_ttl, -1, -2} end
end
if ARGV[2] == '' then return {failures, failure_ttl, -1, -2} end
local used = redis.call('INCR', KEYS[2])
local ttl = redis.call('TTL', KEYS[2])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {failures, failure_ttl, used, ttl}
"""
# redis-py's Script (EVALSHA, loading the script when a server does not know it yet); it
# runs on whichever client it is given.
_script = None


def _redis_check_bearer(failure_key, failure_rate, client_key, client_rate):
    failure_key = cache.make_and_validate_key(failure_key)
    # Without a client count the script never touches KEYS[2]: the failure key stands in.
    client_key = cache.make_and_validate_key(client_key) if client_key else failure_key
    # Both counters are written by the primary (Django's client for writes), one server.
    client = cache._cache.get_client(client_key, write=True)
    global _script
    if _script is None:
        _script = client.register_script(_CHECK_BEARER)
    failures_used, failure_ttl, used, ttl = _script(
        keys=[failure_key, client_key],
        args=[failure_rate[0] if failure_rate else "", client_rate[1] if client_rate else ""],
        client=client,
    )
    failures = None
    if failure_rate is not None:
        failure_window = failure_rate[1]
        failures = _quota(
            TOKEN_FAILURE,
            failure_rate,
            failures_used,
            failure_ttl if failure_ttl > 0 else failure_window,
        )
    quota = None
    if client_rate is not None and used >= 0:
        quota = _quota(CLIENT, client_rate, used, ttl if ttl > 0 else client_rate[1])
    return failures, quota


def count_token_failure(request) -> None:
    """One more refused token for this address; the bucket check_bearer made for it, if
    any, is deleted in the same round trip (a guess must not leave a counter behind)."""
    bucket = getattr(getattr(request, "_request", request), _BUCKET_ATTRIBUTE, None)
    note(request, count(TOKEN_FAILURE, client_ip(request) or "unknown", forget=bucket))
