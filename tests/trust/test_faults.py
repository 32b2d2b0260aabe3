"""Faults over real HTTP against a real gunicorn on PostgreSQL (docs/trust-concurrency.md).

The server runs with deploy/gunicorn.conf.py (2 workers of 4 threads) and the production
database budget (3 s lock timeout, 10 s statement timeout). A second session
(tests/trust/pg.py) plays the rest of the world: it holds a row locked as a long
transaction elsewhere would, and terminates the server's sessions as a failover would.

- a held row lock: every write to it is answered 503 with Retry-After once its lock
  timeout fires, while reads and /healthz are served throughout, more writes waiting than
  the server has threads;
- sessions terminated mid-request: never a 500, retried once when nothing was written,
  else 503 with Retry-After; afterwards no write half-done;
- the same Idempotency-Key twice at once: one write, the other refused 409 or replayed;
- an import killed during its INSERT: no file left in media;
- the master killed: its workers go with it.

Timings are printed (`-s`) for docs/trust-concurrency.md; nothing asserts on them.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from accounts.services import api_token_create
from cooperation import media
from cooperation.models import (
    Agreement,
    Annotation,
    IdempotencyKey,
    RecommendationStatusChange,
    Source,
)
from tests.factories import (
    API_BASIS,
    AgreementFactory,
    AnalystFactory,
    CuratorFactory,
    RecommendationFactory,
)
from tests.gunicorn import Server, start_gunicorn, stop_gunicorn
from tests.trust import pg
from tests.utils import BASE_DIR, clean_env, history_rows, subprocess_database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TIMEOUT = 60  # a client's patience; generous, the machine is shared
SESSIONS_GONE_SECONDS = 30


def _start(tmp_path: Path, **env_overrides: str) -> Server:
    env = clean_env(
        tmp_path,
        DATABASE_URL=subprocess_database_url(),
        DJANGO_SETTINGS_MODULE="portal.settings_test",
        DJANGO_SECRET_KEY="fault-test-only-secret-key-not-for-any-real-deployment",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_CONN_MAX_AGE="0",
        CONTOURS_API_RATE="100000/minute",
        WEB_CONCURRENCY="2",
        # The production web budget (portal/database.py), not the test suite's generous one.
        CONTOURS_WEB_LOCK_TIMEOUT_MS="3000",
        CONTOURS_WEB_STATEMENT_TIMEOUT_MS="10000",
        CONTOURS_WEB_IDLE_TRANSACTION_TIMEOUT_MS="15000",
        **env_overrides,
    )
    return start_gunicorn(tmp_path, env)


_stop = stop_gunicorn


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    running = _start(tmp_path_factory.mktemp("faults"))
    yield running
    _stop(running)


@pytest.fixture
def monitor():
    with pg.connect(autocommit=True) as session:
        yield session
        # The flush after each test needs the server's sessions of this test gone.
        deadline = time.monotonic() + SESSIONS_GONE_SECONDS
        while pg._others(session, "state <> 'idle'") and time.monotonic() < deadline:
            time.sleep(0.1)


def _token(user) -> str:
    return api_token_create(user=user, name="faults", can_write=True)[1]


def _call(
    method: str, url: str, token: str | None = None, **kwargs
) -> tuple[requests.Response, float]:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
    return response, time.monotonic() - started


def _report(what: str, **figures) -> None:
    print(f"\n[fault figures] {what}: " + json.dumps(figures, sort_keys=True))


def _spread(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "min_s": round(ordered[0], 2),
        "median_s": round(ordered[len(ordered) // 2], 2),
        "max_s": round(ordered[-1], 2),
    }


def _lock_row(model, pk):
    return pg.holding(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])


# -- a row held locked ------------------------------------------------------------------------


def test_a_held_row_lock_bounds_every_write_and_starves_no_reader(server, monitor):
    target = AgreementFactory(title="Held")
    others = [AgreementFactory(title=f"Free {n}") for n in range(4)]
    token = _token(AnalystFactory())
    path = f"{server.url}/api/v1/agreements/{target.pk}/"
    etag = _call("GET", path, token)[0].headers["ETag"]
    writers = 20  # more than the server's 2 x 8 threads

    with _lock_row(Agreement, target.pk), ThreadPoolExecutor(max_workers=writers + 8) as pool:
        started = time.monotonic()
        writes = [
            pool.submit(
                _call,
                "PATCH",
                path,
                token,
                json={"title": f"Write {n}"},
                headers={"If-Match": etag},
            )
            for n in range(writers)
        ]
        pg.wait_for_lock_waiters(monitor)  # the writes are in, waiting on the lock
        reads = [
            pool.submit(_call, "GET", f"{server.url}/api/v1/agreements/{other.pk}/", token)
            for other in others * 2
        ]
        health = [pool.submit(_call, "GET", f"{server.url}/healthz") for _ in range(4)]
        answered = [f.result() for f in (*writes, *reads, *health)]
        # Everything was answered while the lock was still held: nobody waited for its end.
        held_for = time.monotonic() - started

    write_answers, read_answers = answered[:writers], answered[writers:]
    reasons = []
    for response, _ in write_answers:
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "3"
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "temporarily_unavailable"
        reasons.append(body["reason"])
    # Those that got a write slot waited for the lock timeout; the rest were refused at once,
    # so that writes never held more than half of the threads.
    assert "lock_timeout" in reasons and set(reasons) <= {"lock_timeout", "server_busy"}
    assert all(response.status_code == 200 for response, _ in read_answers)
    target.refresh_from_db()
    assert (target.title, target.version, len(history_rows(target))) == ("Held", 1, 1)
    # No worker was killed for being slow, and none of this was a server error.
    log = server.log_text()
    assert "WORKER TIMEOUT" not in log and "Internal Server Error" not in log
    # Once the lock is gone, the same write goes through.
    after, _ = _call("PATCH", path, token, json={"title": "After"}, headers={"If-Match": etag})
    assert after.status_code == 200
    _report(
        "held row lock",
        writes_lock_timeout=_spread(
            [t for (_, t), why in zip(write_answers, reasons, strict=True) if why == "lock_timeout"]
        ),
        writes_refused_at_once=_spread(
            [t for (_, t), why in zip(write_answers, reasons, strict=True) if why == "server_busy"]
        ),
        reads=_spread([s for _, s in answered[writers : writers + len(reads)]]),
        healthz=_spread([s for _, s in answered[writers + len(reads) :]]),
        lock_held_s=round(held_for, 2),
    )


# -- sessions terminated mid-request ----------------------------------------------------------


def test_a_write_whose_session_is_terminated_twice_is_a_503_and_writes_nothing(server, monitor):
    target = AgreementFactory(title="Before")
    token = _token(AnalystFactory())
    path = f"{server.url}/api/v1/agreements/{target.pk}/"
    etag = _call("GET", path, token)[0].headers["ETag"]

    with _lock_row(Agreement, target.pk) as held, ThreadPoolExecutor(max_workers=2) as pool:
        # Terminated once while waiting on the lock, it is retried; the lock then goes.
        retried = pool.submit(
            _call, "PATCH", path, token, json={"title": "Retried"}, headers={"If-Match": etag}
        )
        (first,) = pg.wait_for_lock_waiters(monitor)
        pg.terminate(monitor, first)
        pg.wait_for_lock_waiters(monitor, exclude={first})  # the retry, on a new session
        held.rollback()
        retried_response, _ = retried.result()

    etag = retried_response.headers.get("ETag", etag)
    with _lock_row(Agreement, target.pk), ThreadPoolExecutor(max_workers=1) as pool:
        # Terminated on its first attempt and on its retry: 503, nothing written.
        refused = pool.submit(
            _call, "PATCH", path, token, json={"title": "Refused"}, headers={"If-Match": etag}
        )
        (first,) = pg.wait_for_lock_waiters(monitor)
        pg.terminate(monitor, first)
        (second,) = pg.wait_for_lock_waiters(monitor, exclude={first})
        pg.terminate(monitor, second)
        refused_response, _ = refused.result()

    assert retried_response.status_code == 200, retried_response.text
    assert refused_response.status_code == 503 and refused_response.headers["Retry-After"] == "3"
    assert refused_response.json()["reason"] == "connection_lost"
    target.refresh_from_db()
    assert (target.title, target.version, len(history_rows(target))) == ("Retried", 2, 2)
    assert "retrying" in server.log_text()


def test_sessions_killed_during_a_burst_of_writes_leave_nothing_half_written(server, monitor):
    targets = [AgreementFactory(title=f"Shared {n}") for n in range(3)]
    tokens = [_token(AnalystFactory()) for _ in range(6)]
    stop = threading.Event()
    calls: list[tuple[str, str, requests.Response]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        token = tokens[n]
        for i in range(12):
            if stop.is_set():
                return
            if n % 2:
                slug = f"burst-{n}-{i}"
                body = {"title": f"Burst {n}.{i}", "slug": slug, "kind": "mou", **API_BASIS}
                response, _ = _call("POST", f"{server.url}/api/v1/agreements/", token, json=body)
                what = slug
            else:
                path = f"{server.url}/api/v1/agreements/{targets[i % len(targets)].pk}/"
                current, _ = _call("GET", path, token)
                if current.status_code != 200:
                    what, response = "read", current
                else:
                    headers = {"If-Match": current.headers["ETag"]}
                    body = {"title": f"Edited by {n}, write {i}"}
                    response, _ = _call("PATCH", path, token, json=body, headers=headers)
                    what = "edit"
            with lock:
                calls.append((what, response.status_code, response))

    kills = 0
    chance = random.Random(17)
    log_start = len(server.log_text())
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        futures = [pool.submit(client, n) for n in range(len(tokens))]
        deadline = time.monotonic() + 60
        while not all(f.done() for f in futures) and time.monotonic() < deadline:
            # Twice a second, one session in the middle of a request (running a statement or
            # inside a transaction) is cut off, as a failover or an operator would.
            busy = pg._others(monitor, "state IN ('active', 'idle in transaction')")
            if busy:
                pg.terminate(monitor, chance.choice(busy))
                kills += 1
            time.sleep(0.5)
        stop.set()
        for future in futures:
            future.result(timeout=TIMEOUT)

    statuses = [status for _, status, _ in calls]
    unavailable = [r for _, status, r in calls if status == 503]
    assert kills > 0
    # Only success, a stale If-Match, or 503 with Retry-After: never a 500.
    odd = [(what, r.status_code, r.text[:300]) for what, _, r in calls if r.status_code == 400]
    assert set(statuses) <= {200, 201, 412, 503}, (sorted(set(statuses)), odd)
    assert all(r.headers.get("Retry-After") == "3" for r in unavailable)
    # Nothing half-written: every record's version is its number of history rows.
    for agreement in Agreement.all_objects.all():
        assert agreement.version == len(history_rows(agreement)), agreement.slug
    created = set(Agreement.all_objects.values_list("slug", flat=True))
    for what, status, response in calls:
        if what.startswith("burst-") and status == 201:
            assert what in created  # answered success: there
        nothing_saved = status == 503 and response.json()["code"] == "temporarily_unavailable"
        if what.startswith("burst-") and nothing_saved:
            assert what not in created  # "nothing was saved": not there
    log = server.log_text()[log_start:]
    _report(
        "sessions killed during writes",
        kills=kills,
        requests=len(calls),
        ok=sum(s in (200, 201) for s in statuses),
        stale_412=statuses.count(412),
        unavailable_503=len(unavailable),
        outcome_unknown=sum(r.json()["code"] == "outcome_unknown" for r in unavailable),
        retried_in_request=log.count("retrying"),
        server_errors_500=statuses.count(500),
    )


# -- the same Idempotency-Key twice at once ---------------------------------------------------


def test_the_same_idempotency_key_sent_twice_at_once_writes_once(server, monitor):
    recommendation = RecommendationFactory()
    token = _token(CuratorFactory())
    path = f"{server.url}/api/v1/recommendations/{recommendation.pk}/transition/"
    body = {"to": "under_review", "note": "Once only"}
    headers = {"Idempotency-Key": '"move-once"'}
    moves = RecommendationStatusChange.objects.filter(recommendation=recommendation)
    before = moves.count()

    with (
        _lock_row(type(recommendation), recommendation.pk) as held,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        first = pool.submit(_call, "POST", path, token, json=body, headers=headers)
        pg.wait_for_lock_waiters(monitor)  # the first is in flight, holding its key
        duplicate, _ = _call("POST", path, token, json=body, headers=headers)
        held.rollback()
        first_response, _ = first.result()
    replay, _ = _call("POST", path, token, json=body, headers=headers)

    # Two more sent at the same instant, with a fresh key.
    barrier = threading.Barrier(2)
    second_headers = {"Idempotency-Key": '"annotate-once"'}
    note = {"body": "Said once", "target_type": "recommendation", "target_id": recommendation.pk}

    def together():
        barrier.wait()
        return _call(
            "POST", f"{server.url}/api/v1/annotations/", token, json=note, headers=second_headers
        )[0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        pair = [f.result() for f in [pool.submit(together), pool.submit(together)]]

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "idempotency_key_in_flight"
    assert first_response.status_code == 201, first_response.text
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first_response.json()
    assert moves.count() == before + 1
    statuses = sorted(r.status_code for r in pair)
    assert statuses in ([201, 201], [201, 409]), [r.text for r in pair]
    assert Annotation.objects.filter(body="Said once").count() == 1
    assert IdempotencyKey.objects.count() == 2


# -- an import killed mid-way -----------------------------------------------------------------


def test_an_import_killed_during_its_insert_leaves_no_file(tmp_path, monitor, settings):
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = str(media_root)
    brief = tmp_path / "big-brief.txt"
    line = "India and Japan agreed to cooperate on semiconductors and space. " * 16 + "\n"
    brief.write_text(line * 2000)  # ~2 MB
    env = clean_env(
        tmp_path,
        DATABASE_URL=subprocess_database_url(),
        DJANGO_SECRET_KEY="fault-test-only",
        DJANGO_MEDIA_ROOT=str(media_root),
    )

    # Another transaction holds the sources table: the import's INSERT waits on it.
    with pg.holding(f'LOCK TABLE "{Source._meta.db_table}" IN SHARE MODE'):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_source", str(brief)],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pg.wait_for_lock_waiters(monitor)
        written = [p for p in media_root.rglob("*") if p.is_file()]
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait(timeout=30)

    # The original was written (staged) before the INSERT, and nowhere a source would look.
    assert any(p.name == "file" and p.stat().st_size == brief.stat().st_size for p in written)
    assert not Source.all_objects.exists()
    assert media.stored_files() == {}  # nothing in media proper: no orphan
    listed = subprocess.run(
        [sys.executable, "manage.py", "media_orphans"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "left by an interrupted write: will be removed" in listed
    subprocess.run(
        [sys.executable, "manage.py", "media_orphans", "--delete"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        check=True,
    )
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


# -- the master killed ------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_workers_die_with_their_master(tmp_path):
    server = _start(tmp_path)
    try:
        workers = _children(server.process.pid)
        assert len(workers) == 2
        killed_at = time.monotonic()
        os.kill(server.process.pid, signal.SIGKILL)  # the master only, not its group
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            assert time.monotonic() < deadline, "workers outlived their master"
            time.sleep(0.05)
        gone_after = time.monotonic() - killed_at
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/healthz", timeout=5)
    finally:
        for pid in _children(server.process.pid):
            os.kill(pid, signal.SIGKILL)
        _stop(server)
    _report("master killed", workers=len(workers), workers_gone_after_s=round(gone_after, 2))
