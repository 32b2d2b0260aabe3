"""A stateless web tier: nothing a request leaves behind lives in one process only.

Sessions and django-axes' lockouts are rows in the database. DRF's throttle counts are
in the default cache, which CACHE_URL points at a cache every process shares
(portal/caches.py); two real processes here count against one bucket.
"""

from __future__ import annotations

import secrets
import socket

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from portal.caches import DB_CACHE_MAX_ENTRIES, cache_from_url
from portal.caches import REDIS_BACKEND as REDIS
from tests.portal.test_settings import _assert_one_line_refusal, _production_env
from tests.utils import clean_env, run_python, subprocess_database_url

# Two requests through the API's own per-client throttle, in a fresh process; prints
# whether each was allowed. The client is a user id from argv, unique per test run.
THROTTLE_TWICE = """
import sys
from types import SimpleNamespace
import django
django.setup()
from cooperation.api.throttling import ClientRateThrottle
user = SimpleNamespace(is_authenticated=True, pk=int(sys.argv[1]))
request = SimpleNamespace(user=user, auth=None)
print(",".join(str(ClientRateThrottle().allow_request(request, None)) for _ in range(2)))
"""
TABLE = "contours_cache_test"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache", None),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", None),
        ("db://", "django.core.cache.backends.db.DatabaseCache", "contours_cache"),
        ("db://shared_cache", "django.core.cache.backends.db.DatabaseCache", "shared_cache"),
        ("redis://cache:6379/0", REDIS, "redis://cache:6379/0"),
        ("rediss://:secret@cache:6380/1", REDIS, "rediss://:secret@cache:6380/1"),
    ],
)
def test_cache_url_names_the_default_cache(url, backend, location):
    cache = cache_from_url(url)

    assert cache["BACKEND"] == backend
    assert cache.get("LOCATION") == location


def test_database_cache_keeps_room_for_many_clients():
    assert cache_from_url("db://")["OPTIONS"]["MAX_ENTRIES"] == DB_CACHE_MAX_ENTRIES >= 10_000


@pytest.mark.parametrize("url", ["memcached://cache:11211", "db://drop table", "redis://", "x"])
def test_cache_url_that_names_no_usable_cache_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url(url)


def test_manage_py_refuses_a_bad_cache_url_in_one_line(tmp_path):
    env = _production_env(tmp_path, DJANGO_SECRET_KEY="x" * 50, CACHE_URL="memcached://cache:11211")

    result = run_python(["manage.py", "check"], env)

    _assert_one_line_refusal(result, "CACHE_URL", "memcached")


def test_sessions_and_lockouts_live_in_the_database():
    from axes.conf import settings as axes_settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def _throttle_twice(tmp_path, cache_url: str | None, client_id: int) -> str:
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        DATABASE_URL=subprocess_database_url(),
        CONTOURS_API_RATE="3/minute",
        CACHE_URL=cache_url,
    )
    result = run_python(["-c", THROTTLE_TWICE, str(client_id)], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _shared_urls():
    yield pytest.param(f"db://{TABLE}", id="database")
    yield pytest.param(
        "redis://127.0.0.1:6379/0",
        id="redis",
        marks=pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379"),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cache_url", list(_shared_urls()))
def test_two_processes_count_one_clients_requests_in_one_shared_bucket(tmp_path, cache_url):
    if cache_url.startswith("db://"):
        # The subprocesses use this test database; give it the cache table.
        with override_settings(CACHES={"default": cache_from_url(cache_url)}):
            call_command("createcachetable", verbosity=0)
            caches["default"].clear()
    client_id = secrets.randbelow(10**9) + 10**9  # a bucket no earlier run has filled

    first = _throttle_twice(tmp_path, cache_url, client_id)
    second = _throttle_twice(tmp_path, cache_url, client_id)

    # Three a minute: the second process sees the first one's two requests.
    assert (first, second) == ("True,True", "True,False")


@pytest.mark.django_db(transaction=True)
def test_without_a_shared_cache_each_process_counts_alone(tmp_path):
    """What CACHE_URL is for: in-process caches let every process allow the full rate."""
    client_id = secrets.randbelow(10**9) + 10**9

    first = _throttle_twice(tmp_path, None, client_id)
    second = _throttle_twice(tmp_path, None, client_id)

    assert (first, second) == ("True,True", "True,True")
