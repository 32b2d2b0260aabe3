"""Crash safety: SIGKILL the app server in the middle of a burst of writes; nothing is half-written.

A real gunicorn serves the test database. Clients create agreements with links
(API), create agreements with evidence attached (web form, one transaction with
the record) and edit shared agreements with If-Match (API), until the server is
killed mid-burst. PostgreSQL rolls back whatever transaction a dead server left
open, so afterwards every write is there completely or not at all: versions
match history rows, links match the history row and what was sent, no row lacks
its record, and every write that was answered with success is present.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import pytest
import requests
from django.apps import apps
from django.db import connection

from accounts.services import api_token_create
from cooperation.history import history_m2m_values
from cooperation.models import RECORD_MODELS, Agreement, RecordEvidence, Tracked
from tests.factories import (
    API_BASIS,
    ActorFactory,
    AgreementFactory,
    AnalystFactory,
    ExcerptFactory,
    TopicFactory,
)
from tests.trust.clients import ApiClient, WebClient, replace
from tests.utils import BASE_DIR, clean_env, subprocess_database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

# Bounds: the server is killed after KILL_AFTER_SUCCESSES answered writes or KILL_SECONDS,
# whichever comes first; clients stop at the kill, after MAX_WRITES, or at BURST_SECONDS.
KILL_AFTER_SUCCESSES = 20
KILL_SECONDS = 40
BURST_SECONDS = KILL_SECONDS + 30
MAX_WRITES = 80
STARTUP_SECONDS = 60
# A dead server's connections: how long PostgreSQL may take to notice and roll them back.
BACKENDS_GONE_SECONDS = 30

# A connection the dead server dropped (refused, reset, or cut off mid-response).
CUT = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: no shutdown, no cleanup."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = clean_env(
        tmp_path,
        DATABASE_URL=subprocess_database_url(),
        # The test settings: the test users' passwords use their fast hasher, and static
        # files are served without collectstatic. Otherwise production settings.
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        DJANGO_SECRET_KEY="crash-test-only-secret-key-not-for-any-real-deployment",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="0",  # plain http: requests sends no Secure cookie over it
        DATABASE_CONN_MAX_AGE="0",
        CONTOURS_API_RATE="100000/minute",
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--worker-class=gthread",
            "--threads=4",
            "--timeout=60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the kill reaches every worker
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start in time"
            try:
                if requests.get(f"{server.url}/accounts/login/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # still booting
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            server.kill()
        log.close()
        # Teardown flushes the database: wait until the dead server's sessions are gone.
        deadline = time.monotonic() + BACKENDS_GONE_SECONDS
        while _other_backends() and time.monotonic() < deadline:
            time.sleep(0.2)


@dataclass
class Call:
    """One write as the client saw it."""

    what: str  # "create", "web-create" or "edit"
    started: float
    ended: float = 0.0
    status: int | None = None  # None: the connection was cut
    sent: dict = field(default_factory=dict)
    answer: dict = field(default_factory=dict)


@dataclass
class Burst:
    deadline: float
    killed_at: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self, count: int) -> bool:
        return not self.stop.is_set() and count < MAX_WRITES and time.monotonic() < self.deadline

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def successes(self) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.status in (200, 201, 302))

    def send(self, call: Call, request, *args, **kwargs) -> requests.Response | None:
        """Make the request; None (and the loop should end) once the server is gone."""
        try:
            response = request(*args, **kwargs)
        except CUT:
            call.ended = time.monotonic()
            self.record(call)
            return None
        call.ended, call.status = time.monotonic(), response.status_code
        self.record(call)
        return response


def _topics(n: int, topics) -> list[str]:
    return [t.slug for t in topics[n % len(topics) :]]


def _links(n: int, actors, topics) -> dict:
    """Links that differ from one write to the next, by slug as the API takes them."""
    return {
        "actors": [a.slug for a in actors[: 1 + n % len(actors)]],
        "topics": _topics(n, topics),
        "parties": [a.slug for a in actors[n % 2 :: 2]],
    }


def _api_creator(burst: Burst, *, client: ApiClient, name: str, actors, topics) -> None:
    for n in itertools.count():
        if not burst.running(n):
            return
        sent = {
            "title": f"Burst {name}.{n}",
            "slug": f"burst-{name}-{n}",
            "kind": "mou",
            "summary": f"Created in a burst by {name}.",
            **_links(n, actors, topics),
            **API_BASIS,
        }
        call = Call("create", time.monotonic(), sent=sent)
        response = burst.send(call, client.call, "POST", "/api/v1/agreements/", json=sent)
        if response is None:
            return
        if response.status_code == 201:
            call.answer = response.json()


def _api_editor(burst: Burst, *, client: ApiClient, name: str, targets, topics) -> None:
    for n in itertools.count():
        if not burst.running(n):
            return
        path = f"/api/v1/agreements/{targets[n % len(targets)].pk}/"
        try:
            current = client.call("GET", path)
        except CUT:
            return
        sent = {"title": f"Edited by {name}, write {n}", "topics": _topics(n, topics)}
        call = Call("edit", time.monotonic(), sent=sent)
        headers = {"If-Match": current.headers["ETag"]}
        response = burst.send(call, client.call, "PATCH", path, json=sent, headers=headers)
        if response is None:
            return
        if response.status_code == 200:
            call.answer = response.json()


def _web_creator(burst: Burst, *, client: WebClient, name: str, excerpt, actors) -> None:
    path = f"/agreements/new/?excerpt={excerpt.pk}"
    for n in itertools.count():
        if not burst.running(n):
            return
        try:
            fields = client.open_form(path)
        except CUT:
            return
        sent = {
            "title": f"Web burst {name}.{n}",
            "slug": f"web-burst-{name}-{n}",
            "kind": "declaration",
            "actors": [a.pk for a in actors[: 1 + n % len(actors)]],
        }
        assert dict(fields)["excerpt"] == str(excerpt.pk)
        call = Call("web-create", time.monotonic(), sent=sent)
        response = burst.send(call, client.submit, path, replace(fields, **sent))
        if response is None:
            return
        if response.status_code == 302:
            assert response.headers["Location"] == f"/agreements/{sent['slug']}/"


def _run_burst(server: Server, workers: list) -> Burst:
    """Start every worker, kill the server once enough writes succeeded, wait for all."""
    burst = Burst(deadline=time.monotonic() + BURST_SECONDS)
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        futures = [pool.submit(work, burst) for work in workers]
        kill_by = time.monotonic() + KILL_SECONDS
        while burst.successes() < KILL_AFTER_SUCCESSES and time.monotonic() < kill_by:
            if any(f.done() for f in futures):
                break  # a worker stopped early (it failed): see its exception below
            time.sleep(0.05)
        burst.killed_at = time.monotonic()
        server.kill()
        for future in futures:
            future.result(timeout=BURST_SECONDS)
    return burst


def _tracked_models():
    return [
        m for m in apps.get_models() if issubclass(m, Tracked) and hasattr(m, "_history_recorder")
    ]


def _assert_versions_match_history_and_no_orphans() -> None:
    for model in _tracked_models():
        counts = {}
        for pk in model.history.values_list("id", flat=True):
            counts[pk] = counts.get(pk, 0) + 1
        rows = dict(model.all_objects.values_list("pk", "version"))
        label = model._meta.label
        assert set(counts) <= set(rows), f"{label}: history rows of rows that do not exist"
        assert {pk: counts.get(pk, 0) for pk in rows} == rows, f"{label}: version != history"


def _assert_links_as_history_says(agreement: Agreement) -> None:
    latest = agreement.history.filter(id=agreement.pk).latest("history_id")
    assert latest.version == agreement.version
    assert (latest.title, latest.slug, latest.summary) == (
        agreement.title,
        agreement.slug,
        agreement.summary,
    )
    for name in Agreement.history_m2m_fields:
        now = sorted(getattr(agreement, name).values_list("pk", flat=True))
        assert history_m2m_values(latest, name) == now, (agreement.slug, name)


def _slugs(agreement: Agreement, name: str) -> list[str]:
    return sorted(getattr(agreement, name).values_list("slug", flat=True))


def test_killing_the_server_mid_burst_leaves_no_half_written_record(gunicorn):
    actors = [ActorFactory() for _ in range(3)]
    topics = [TopicFactory() for _ in range(3)]
    targets = [AgreementFactory(title="Shared one"), AgreementFactory(title="Shared two")]
    excerpt = ExcerptFactory()
    web = [WebClient(gunicorn.url, AnalystFactory().email) for _ in range(2)]
    for client in web:
        client.login()

    def api() -> ApiClient:
        token = api_token_create(user=AnalystFactory(), name="burst", can_write=True)[1]
        return ApiClient(gunicorn.url, token)

    workers = [
        *(
            partial(_api_creator, client=api(), name=f"c{i}", actors=actors, topics=topics)
            for i in range(3)
        ),
        *(
            partial(_api_editor, client=api(), name=f"e{i}", targets=targets, topics=topics)
            for i in range(3)
        ),
        *(
            partial(_web_creator, client=client, name=f"w{i}", excerpt=excerpt, actors=actors)
            for i, client in enumerate(web)
        ),
    ]

    burst = _run_burst(gunicorn, workers)

    # The kill landed mid-burst: writes had succeeded, and some were in flight when it came.
    before = [c for c in burst.calls if c.ended < burst.killed_at]
    in_flight = [c for c in burst.calls if c.started < burst.killed_at <= c.ended]
    answered = sum(1 for c in before if c.status in (200, 201, 302))
    assert answered >= KILL_AFTER_SUCCESSES, f"only {answered} writes in {KILL_SECONDS}s"
    assert all(c.status is not None for c in before), "connections failed before the kill"
    assert any(c.status is None for c in in_flight), "no write was cut off by the kill"
    # The server answered only success or a stale If-Match, never an error, until it died.
    expected = {"create": {201}, "web-create": {302}, "edit": {200, 412}}
    assert all(c.status is None or c.status in expected[c.what] for c in burst.calls), [
        (c.what, c.status) for c in burst.calls if c.status not in expected[c.what] | {None}
    ]

    deadline = time.monotonic() + BACKENDS_GONE_SECONDS
    while _other_backends() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _other_backends() == 0, "the dead server's sessions are still open"

    _assert_versions_match_history_and_no_orphans()
    agreements = {a.slug: a for a in Agreement.all_objects.all()}
    for agreement in agreements.values():
        _assert_links_as_history_says(agreement)

    # Every record created (answered or cut off) has exactly the links it was sent with.
    sent = {c.sent["slug"]: c for c in burst.calls if c.what in ("create", "web-create")}
    created = [a for slug, a in agreements.items() if slug in sent]
    assert {a.slug for a in created} >= {
        c.sent["slug"] for c in sent.values() if c.status in (201, 302)
    }, "a create answered with success is missing"
    for agreement in created:
        call = sent[agreement.slug]
        evidence = RecordEvidence.all_objects.filter(spine_id=agreement.spine_id)
        if call.what == "create":
            assert {name: _slugs(agreement, name) for name in ("actors", "topics", "parties")} == {
                name: sorted(call.sent[name]) for name in ("actors", "topics", "parties")
            }
            assert not evidence.exists()
        else:
            actors_now = sorted(agreement.actors.values_list("pk", flat=True))
            assert actors_now == sorted(call.sent["actors"])
            # The record and its evidence are one transaction: never one without the other.
            assert [link.excerpt_id for link in evidence] == [excerpt.pk], agreement.slug
    # No evidence link points at a spine row without its record (the key is a real FK now,
    # but a record's row and its spine row are written apart).
    for record_kind, kind_id in RecordEvidence.all_objects.values_list(
        "spine__record_kind", "spine__kind_id"
    ):
        model = {m._meta.model_name: m for m in RECORD_MODELS}[record_kind]
        assert model.all_objects.filter(pk=kind_id).exists()

    # Every edit answered 200 is in history as the version it was answered with.
    for call in (c for c in burst.calls if c.what == "edit" and c.status == 200):
        row = Agreement.history.get(id=call.answer["id"], version=call.answer["version"])
        assert row.title == call.sent["title"]
        assert sorted(history_m2m_values(row, "topics")) == sorted(
            t.pk for t in topics if t.slug in call.sent["topics"]
        )
