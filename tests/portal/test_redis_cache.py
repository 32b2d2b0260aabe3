"""portal/redis_cache.py: Django's Redis cache, one client per server for the process."""

from __future__ import annotations

import socket
import uuid

import pytest

from portal.caches import REDIS_BACKEND, cache_from_url
from portal.redis_cache import ContoursRedisCache

REDIS_URL = "redis://127.0.0.1:6379/7"


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache():
    cache = ContoursRedisCache(REDIS_URL, {"KEY_PREFIX": f"t-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()
    cache.close()


def test_a_redis_cache_url_names_the_reusing_backend():
    assert cache_from_url("redis://cache:6379/0")["BACKEND"] == REDIS_BACKEND


def test_every_call_gets_the_same_client_and_pool(redis_cache):
    first = redis_cache._cache.get_client("a", write=True)
    again = redis_cache._cache.get_client("b")

    assert first is again
    assert first.connection_pool is redis_cache._cache._get_connection_pool(True)


def test_the_cache_still_reads_writes_and_counts(redis_cache):
    redis_cache.set("k", {"v": 1}, 30)
    assert redis_cache.get("k") == {"v": 1}
    assert redis_cache.add("n", 1, 30)
    assert redis_cache.incr("n", 4) == 5
    redis_cache.delete("k")
    assert redis_cache.get("k") is None


def test_a_reader_server_gets_its_own_client():
    cache = ContoursRedisCache(f"{REDIS_URL},{REDIS_URL}", {})
    try:
        writer = cache._cache.get_client(write=True)
        reader = cache._cache.get_client()
        assert writer is not reader
        assert reader is cache._cache.get_client()
    finally:
        cache.close()
