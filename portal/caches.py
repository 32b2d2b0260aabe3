"""The default cache from one URL, CACHE_URL, so that scaled-out web processes share it.

DRF's throttles keep their request counts in the default cache. Django's in-process
cache (the default when CACHE_URL is unset) gives every gunicorn worker its own
counts, so N workers would allow N times the rate; a shared cache counts once:

- unset or `locmem://`: in-process (one process, e.g. `make run`, the tests);
- `redis://[:password@]host:port/db` or `rediss://…`: Django's Redis cache (the `redis`
  package; portal/redis_cache.py keeps its clients). docker-compose deploys this by
  default (its `redis` service): throttle checks cost Redis round trips, no database query;
- `db://TABLE`: Django's database cache, a table in DATABASE_URL's database made by
  `manage.py createcachetable` (docker-compose's migrate step runs it). The fallback
  without Redis: no other service, but every throttled request costs database queries,
  an UPDATE among them (docs/benchmarks.md).
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

# Django's Redis cache, keeping one client per server (portal/redis_cache.py).
REDIS_BACKEND = "portal.redis_cache.ContoursRedisCache"
DEFAULT_TABLE = "contours_cache"
# Room for many clients' throttle buckets before the database cache starts culling
# (Django's default of 300 entries would forget busy clients' counts).
DB_CACHE_MAX_ENTRIES = 50_000
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def cache_from_url(url: str) -> dict:
    """The CACHES["default"] entry that `url` names; ImproperlyConfigured if it names none."""
    url = url.strip()
    if not url or url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    scheme, separator, rest = url.partition("://")
    if separator and scheme == "db":
        table = rest.strip("/") or DEFAULT_TABLE
        if not _TABLE.match(table):
            raise ImproperlyConfigured(
                f"CACHE_URL db://{table} does not name a table; use db://{DEFAULT_TABLE}."
            )
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": DB_CACHE_MAX_ENTRIES},
        }
    if separator and scheme in ("redis", "rediss") and rest:
        return {"BACKEND": REDIS_BACKEND, "LOCATION": url}
    raise ImproperlyConfigured(
        f"CACHE_URL is not a cache Contours can use ({scheme or url!r}); "
        f"use locmem://, db://{DEFAULT_TABLE} or redis://host:6379/0."
    )
