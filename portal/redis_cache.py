"""Django's Redis cache, with one `redis.Redis` client per server kept for the process.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call. The pool (and
its connections) is shared, but building the client copies redis-py's ~170 response
callbacks each time: about 0.4 ms on every API request's rate-limit check (it was twice,
when the token-failure check and the throttle were two calls), more than the Redis round
trip itself costs (measured by bench/ and docs/benchmarks.md). A client is thread-safe
and holds no connection of its own, so one per pool serves every call; after a fork the
pool itself notices the new process and opens new connections, as it does under
Django's own client.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[object, object] = {}

    def get_client(self, key=None, *, write=False):
        # Django picks (and makes, once) the pool; the client is kept per pool.
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ContoursRedisCache(RedisCache):
    """settings.CACHES' Redis backend (portal/caches.py): Django's, reusing its clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
