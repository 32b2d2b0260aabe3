"""The floor views, and the gunicorn the bench starts: ready workers, their pids, their memory."""

from __future__ import annotations

import json
import socket

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

from bench import floor
from bench.load import Gunicorn, drain, fetch, rss_mib
from cooperation.choices import Visibility
from cooperation.services import record_set_visibility
from tests.factories import RecommendationFactory
from tests.utils import clean_env, subprocess_database_url


@override_settings(ROOT_URLCONF="bench.urls")
def test_floor_views_answer_through_the_portals_middleware(client, curator):
    titles = ["Beta", "Alpha", "Gamma"]
    for title in titles:
        record = RecommendationFactory(user=curator, title=title)
        record_set_visibility(record=record, visibility=Visibility.PUBLISHED, user=curator)
    RecommendationFactory(user=curator, title="Aardvark draft")  # not published

    static = client.get("/__bench__/static")
    page = client.get("/__bench__/sql")

    assert static.json() == {"status": "ok", "floor": "static"}
    assert static["Content-Security-Policy"]  # the middleware ran
    assert [row["title"] for row in page.json()["results"]] == sorted(titles)


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bench_urlconf_keeps_every_portal_url():
    from portal import urls as portal_urls

    assert resolve("/healthz").url_name == "healthz"
    assert resolve("/api/v1/recommendations/").url_name == "recommendation-list"
    assert len(portal_urls.urlpatterns) > 3


def test_only_the_bench_settings_serve_the_floor():
    with pytest.raises(Resolver404):
        resolve("/__bench__/static")
    assert floor.PAGE_SIZE == 50


@pytest.mark.django_db(transaction=True)
def test_bench_gunicorn_starts_ready_workers_and_serves_the_floor(tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=subprocess_database_url(),
    )
    with Gunicorn("portal.wsgi:application", env, 2, tmp_path / "gunicorn.log") as server:
        server.wait_ready(timeout=60)
        pids = server.worker_pids()
        static = fetch(server.port, "/__bench__/static", {})
        page = fetch(server.port, "/__bench__/sql", {})

        assert len(pids) == 2
        assert all(20 < rss_mib(pid) < 1024 for pid in pids)
    assert (static.status, json.loads(static.body)["floor"]) == (200, "static")
    assert (page.status, json.loads(page.body)) == (200, {"results": []})
    assert server.process.returncode is not None  # stopped on leaving the block


def _send_and_hang_up(port: int, path: str) -> None:
    """What wrk leaves behind when it stops: a request sent, its answer never read."""
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def test_drain_waits_until_requests_left_queued_by_a_finished_run_are_served(tmp_path):
    """Two workers, five abandoned half-second requests: one worker is free (and answers
    every probe) while the other still serves the fifth; drain waits for that one too."""
    done = tmp_path / "done"
    done.touch()
    env = clean_env(tmp_path, SLOW_APP_DONE=str(done))
    with Gunicorn("tests.bench.slow_app:application", env, 2, tmp_path / "g.log") as server:
        server.wait_ready(timeout=60)
        for _ in range(5):
            _send_and_hang_up(server.port, "/slow")
        queued = len(done.read_text().splitlines())

        waited = drain(server.port, workers=2, in_flight_ms=600)

        served = len(done.read_text().splitlines())
    assert queued < 5  # still queued when the client had gone
    assert served == 5  # drain returned only once every one of them had been served
    assert waited > 1.0
