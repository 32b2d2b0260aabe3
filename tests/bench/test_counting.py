"""The counting hooks count what they claim: SQL statements, Redis round trips, DRF's steps."""

from __future__ import annotations

import secrets
import socket
import time

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings

from accounts.models import User
from bench.counting import RATE_LIMIT, Monitor, counting
from bench.data import Accounts
from bench.measure import count_phases
from portal.caches import cache_from_url
from tests.api.conftest import make_token

# The bench's own Redis database number (docs/benchmarks.md); keys here are random and expire.
REDIS_URL = "redis://127.0.0.1:6379/5"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")


def test_counting_counts_each_sql_statement(db):
    with counting() as counts:
        list(User.objects.all())
        User.objects.filter(email="nobody@example.org").exists()

    assert counts.queries == 2
    assert "accounts_user" in counts.statements[0]


@needs_redis
def test_counting_counts_redis_round_trips_and_a_pipeline_as_one():
    client = redis.Redis.from_url(REDIS_URL)
    key = f"bench-test:{secrets.token_hex(8)}"
    client.ping()  # connected before counting

    with counting() as counts:
        client.set(key, 1, ex=30)
        client.get(key)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, 30)
        pipeline.execute()

    assert counts.redis == 3
    assert counts.queries == 0


@needs_redis
def test_monitor_sees_the_commands_sent_to_its_database():
    client = redis.Redis.from_url(REDIS_URL)
    key = f"bench-test:{secrets.token_hex(8)}"

    with Monitor(REDIS_URL) as monitor:
        client.set(key, 1, ex=30)
        client.get(key)
        client.delete(key)
        time.sleep(0.3)  # MONITOR's lines trail the replies

    assert monitor.commands["SET"] >= 1 and monitor.commands["GET"] >= 1
    assert monitor.commands["DEL"] >= 1


@needs_redis
def test_phases_count_the_apis_token_lookup_and_its_throttle_in_redis(partner):
    accounts = Accounts(token=make_token(partner), session="")
    with override_settings(CACHES={"default": cache_from_url(REDIS_URL)}):
        phases = count_phases(accounts, "/api/v1/recommendations/?page_size=5")
        cache.clear()

    assert set(phases) == {"authentication", "throttle", "permission", RATE_LIMIT}
    assert phases["authentication"]["queries"] >= 1
    assert any("accounts_apitoken" in sql for sql in phases["authentication"]["sql"])
    # The token-failure check and the token's count: one script, before the lookup
    # (portal/ratelimit.check_bearer); the throttle step only notes what was counted.
    assert phases["authentication"]["redis"] == phases[RATE_LIMIT]["redis"] == 1
    assert phases[RATE_LIMIT]["queries"] == 0
    assert phases["throttle"]["redis"] == 0
    assert phases["throttle"]["queries"] == 0


def test_phases_see_a_database_cache_throttle_as_sql(partner):
    """What the compose file's old default cost: the rate counts in SQL, not Redis."""
    from django.core.management import call_command

    accounts = Accounts(token=make_token(partner), session="")
    with override_settings(CACHES={"default": cache_from_url("db://bench_test_cache")}):
        call_command("createcachetable", verbosity=0)
        phases = count_phases(accounts, "/api/v1/recommendations/")

    counted = [sql for sql in phases["authentication"]["sql"] if "bench_test_cache" in sql]
    assert len(counted) >= 2
    # All of them in the rate-limit check, which the throttle's targets count.
    assert set(counted) <= set(phases[RATE_LIMIT]["sql"])
    assert phases["authentication"]["redis"] == phases["throttle"]["redis"] == 0


@needs_redis
def test_nested_blocks_count_each_round_trip_once_in_each():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # connected (the handshake sends commands of its own)
    with counting() as outer:
        client.ping()
        with counting() as inner:
            client.ping()
        with counting() as empty:
            pass
        client.ping()

    assert (outer.redis, inner.redis, empty.redis) == (3, 1, 0)
