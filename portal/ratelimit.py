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

Policies (their rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read per request):
`client` per token or logged-in user, `anon` per address without credentials, and
`token_failure` per address for Bearer tokens that failed: once over it, every Bearer
token from that address is refused with 429 before it is looked up.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

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


def _redis_count(key: str, window: int, *, hit: bool) -> tuple[int, int]:
    key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(key, write=hit)
    pipeline = client.pipeline(transaction=False)
    if hit:
        pipeline.set(key, 0, ex=window, nx=True)
        pipeline.incr(key)
        pipeline.ttl(key)
        _, used, ttl = pipeline.execute()
    else:
        pipeline.get(key)
        pipeline.ttl(key)
        raw, ttl = pipeline.execute()
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


def count(policy: str, ident: str, *, hit: bool = True) -> Quota | None:
    """Count one request of `ident` against `policy` (or only look, hit=False)."""
    limits = rate(policy)
    if limits is None:
        return None
    limit, window = limits
    key = f"ratelimit:{policy}:{ident}"
    counter = _redis_count if _is_redis() else _portable_count
    used, reset = counter(key, window, hit=hit)
    return Quota(policy, limit, window, used, max(1, min(reset, window)))


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


def refuse_if_token_failures_exceeded(request) -> None:
    """429 before any token lookup when this address has failed too many Bearer tokens."""
    quota = count(TOKEN_FAILURE, client_ip(request) or "unknown", hit=False)
    if quota is not None and quota.used >= quota.limit:
        note(request, Quota(quota.policy, quota.limit, quota.window, quota.limit + 1, quota.reset))
        raise exceptions.Throttled(
            wait=quota.reset,
            detail=f"Too many failed tokens from your address; try again in {quota.reset} seconds.",
        )


def count_token_failure(request) -> None:
    note(request, count(TOKEN_FAILURE, client_ip(request) or "unknown"))
