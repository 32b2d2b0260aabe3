"""Django's Redis cache, with one `redis.Redis` client per server kept for the process.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call. The pool (and
its connections) is shared, but building the client copies redis-py's ~170 response
callbacks each time: about 0.4 ms, twice on every API request (the token-failure check
and the throttle), more than the Redis round trips themselves cost (measured by
bench/ and docs/benchmarks.md). A client is thread-safe and holds no connection of its
own, so one per pool serves every call; after a fork the pool itself notices the new
process and opens new connections, as it does under Django's own client.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class ContoursRedisCache(RedisCache):
    """settings.CACHES' Redis backend (portal/caches.py): Django's, reusing its clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
