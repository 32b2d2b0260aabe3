"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine runs here).

What scaling out relies on: every web process shares one cache (Redis by default, the
database's cache table as the fallback), the media volume and the database; the migrate
step creates the fallback's cache table before any web container starts; the commands
the files run exist.
"""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from portal.caches import cache_from_url
from tests.utils import BASE_DIR

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
_DEFAULT = re.compile(r"^\$\{(\w+):-(.*)\}$")


def _default(value: str) -> str:
    """The value compose uses when the variable is unset: ${NAME:-default} → default."""
    match = _DEFAULT.match(value)
    return match.group(2) if match else value


def _manage_commands(command: list[str]) -> list[str]:
    script = command[-1] if command[:2] == ["sh", "-c"] else shlex.join(command)
    return [
        step.split()[2]
        for step in (part.strip() for part in script.split("&&"))
        if step.startswith("python manage.py ")
    ]


@pytest.mark.parametrize("name", ["web", "migrate", "worker"])
def test_compose_web_and_migrate_share_one_cache_media_and_database(name):
    env = SERVICES[name]["environment"]

    cache = cache_from_url(_default(env["CACHE_URL"]))
    assert cache["BACKEND"] == "portal.redis_cache.ContoursRedisCache"
    assert urlsplit(cache["LOCATION"]).hostname == "redis"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:" in env["DATABASE_URL"]
    assert f"media:{env['DJANGO_MEDIA_ROOT']}" in SERVICES[name]["volumes"]


def test_compose_migrate_creates_the_cache_table_before_web_starts():
    steps = _manage_commands(SERVICES["migrate"]["command"])

    assert steps[:2] == ["migrate", "createcachetable"]
    assert set(steps) <= set(get_commands())
    waits = SERVICES["web"]["depends_on"]
    assert waits["migrate"]["condition"] == "service_completed_successfully"


def test_compose_web_takes_its_worker_count_from_the_environment():
    assert SERVICES["web"]["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-2}"
    assert "gunicorn" in DOCKERFILE and '"portal.wsgi:application"' in DOCKERFILE


def test_compose_starts_redis_by_default_and_web_waits_for_it():
    redis = SERVICES["redis"]

    assert "profiles" not in redis  # started by a plain `docker compose up`
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "ports" not in redis  # reachable on the compose network only
    assert SERVICES["web"]["depends_on"]["redis"]["condition"] == "service_healthy"
    # The database fallback can run with the redis service scaled to zero.
    assert SERVICES["web"]["depends_on"]["redis"]["required"] is False
    import redis as redis_client  # the RedisCache backend's client, pinned in requirements.txt

    assert redis_client.__version__
    assert "\nredis==" in (BASE_DIR / "requirements.txt").read_text()


def test_compose_documents_the_database_cache_as_the_fallback_without_redis():
    text = (BASE_DIR / "docker-compose.yml").read_text()
    fallback = re.search(r"CACHE_URL=(db://\w+) docker compose up --scale redis=0", text)

    assert fallback, "the compose file shows how to run without Redis"
    cache = cache_from_url(fallback.group(1))
    assert cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    # The table it names is the one the migrate step creates.
    assert "createcachetable" in _manage_commands(SERVICES["migrate"]["command"])
    assert cache["LOCATION"] == "contours_cache"


def test_dockerfile_health_check_probes_healthz():
    assert "http://127.0.0.1:8000/healthz" in DOCKERFILE
    assert resolve("/healthz").url_name == "healthz"


def test_compose_runs_a_task_worker_after_the_migrations():
    worker = SERVICES["worker"]
    command = worker["command"]

    assert command[:3] == ["python", "manage.py", "db_worker"]
    assert "db_worker" in get_commands()
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["restart"] == "unless-stopped"
