"""Transient database failures on real PostgreSQL: what they are, what a request wrote, and
the answer (a retry when safe, else 503 with Retry-After). The same over a real gunicorn:
tests/trust/test_faults.py.

A second session (tests/trust/pg.py) holds locks and terminates the application's sessions,
as a long transaction elsewhere or a database failover would.
"""

from __future__ import annotations

import json
import logging
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from cooperation.models import Agreement
from portal.database import DatabaseBudget
from portal.faults import Kind, WriteTracker, database_fault
from portal.views import server_error
from tests.api.conftest import bearer, make_token
from tests.factories import AgreementFactory, AnalystFactory
from tests.trust import pg
from tests.trust.clients import form_fields, replace
from tests.utils import history_rows

# Transactional: the second session must see the rows these tests make.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

SHORT = DatabaseBudget(
    lock_timeout_ms=300, statement_timeout_ms=5_000, idle_in_transaction_timeout_ms=20_000
)
# For the retry tests: a retried request must outlast the release of the lock it waits on.
PATIENT = DatabaseBudget(
    lock_timeout_ms=20_000, statement_timeout_ms=30_000, idle_in_transaction_timeout_ms=30_000
)
UPDATE_TITLE = 'UPDATE "cooperation_agreement" SET title = %s WHERE id = %s'


@pytest.fixture
def waits():
    """waits(budget): connections opened from then on, in any thread, use its timeouts."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    before = options.get("options")

    def use(budget: DatabaseBudget) -> None:
        options["options"] = budget.libpq_options()
        connection.close()

    yield use
    if before is None:
        options.pop("options", None)
    else:
        options["options"] = before
    connection.close()


@pytest.fixture
def monitor():
    with pg.connect(autocommit=True) as session:
        yield session


def _lock_row(model, pk):
    return pg.holding(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(make_token(user, write=True)))
    return client


def _raised(statement, params=()) -> BaseException:
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute(statement, params)
    return raised.value


# -- what a failure is ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_statement_timeout_is_transient_and_a_missing_table_is_not():
    with (
        pytest.raises(OperationalError) as timeout,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(5)")
    with pytest.raises(Exception) as missing, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT * FROM no_such_table")

    assert database_fault(timeout.value).kind == Kind.STATEMENT_TIMEOUT
    assert not database_fault(timeout.value).retryable
    assert database_fault(missing.value) is None
    assert database_fault(ValueError("not a database error")) is None


def test_a_lock_timeout_and_a_terminated_session_are_told_apart(waits, monitor):
    waits(SHORT)
    agreement = AgreementFactory()
    with _lock_row(Agreement, agreement.pk):
        locked = database_fault(_raised(UPDATE_TITLE, ["x", agreement.pk]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pg.terminate(monitor, cursor.fetchone()[0])
    lost = database_fault(_raised("SELECT 1"))
    connection.close()

    # A lock timeout is answered at once (the lock is still held: a retry would wait again);
    # a lost connection is worth one retry on a new one.
    assert (locked.kind, locked.retryable, locked.during_commit) == (
        Kind.LOCK_TIMEOUT,
        False,
        False,
    )
    assert (lost.kind, lost.retryable) == (Kind.CONNECTION_LOST, True)


def test_serialization_failures_and_deadlocks_are_retried_unless_raised_by_commit():
    first, second = AgreementFactory(summary="a"), AgreementFactory(summary="b")
    table = Agreement._meta.db_table
    # Straight to the table, so a column no spine row copies (cooperation/models/spine.py)
    # and no claim holds (cooperation/provenance.py FACTS): the summary.
    update = f'UPDATE "{table}" SET summary = %s WHERE id = %s'

    # REPEATABLE READ: a row changed by another transaction since our snapshot.
    with (
        pytest.raises(OperationalError) as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f'SELECT summary FROM "{table}" WHERE id = %s', [first.pk])
        with pg.connect() as other:
            other.execute(update, ["a", first.pk])
            other.commit()
        cursor.execute(update, ["b", first.pk])
    serialization = database_fault(raised.value)

    # Two transactions each waiting for a row the other holds; we are the one told.
    with pg.connect() as other:
        other.execute("SET deadlock_timeout = '10s'")
        other.execute(update, ["c", first.pk])
        waiter = threading.Thread(target=lambda: other.execute(update, ["c", second.pk]))
        with (
            pytest.raises(OperationalError) as raised,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL deadlock_timeout = '100ms'")
            cursor.execute(update, ["d", second.pk])
            waiter.start()
            cursor.execute("SELECT pg_sleep(0.3)")  # let the other session queue on us
            cursor.execute(update, ["d", first.pk])
        waiter.join(timeout=pg.STATE_DEADLINE_SECONDS)
        other.rollback()
    deadlock = database_fault(raised.value)

    # Write skew under SERIALIZABLE: each reads what the other writes, both write before
    # either commits; the first to commit wins and ours is refused by its COMMIT.
    read = f'SELECT count(*) FROM "{table}" WHERE summary = %s'
    write = f'UPDATE "{table}" SET summary = %s WHERE id = %s'
    tracker = WriteTracker()
    with (
        connection.execute_wrapper(tracker),
        pytest.raises(OperationalError) as raised,
        pg.connect() as other,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        other.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        cursor.execute(read, ["b"])
        other.execute(read, ["a"])
        cursor.execute(write, ["a1", first.pk])
        other.execute(write, ["b1", second.pk])
        other.commit()
    at_commit = database_fault(raised.value)

    assert (serialization.kind, serialization.retryable) == (Kind.SERIALIZATION_FAILURE, True)
    assert (deadlock.kind, deadlock.retryable) == (Kind.DEADLOCK, True)
    # A failure *during* COMMIT is never retried, whatever its kind: this one is known not
    # to have committed, but a connection lost during COMMIT may come after the server
    # committed, and the two cannot be told apart. A write is answered "may have been saved".
    assert (at_commit.kind, at_commit.during_commit, at_commit.retryable) == (
        Kind.SERIALIZATION_FAILURE,
        True,
        False,
    )
    assert tracker.saved(at_commit) is None


# -- what a request wrote -------------------------------------------------------------------


def _tracked(work) -> WriteTracker:
    tracker = WriteTracker()
    with connection.execute_wrapper(tracker):
        work()
    return tracker


def test_only_writes_that_may_have_committed_make_a_retry_unsafe(client):
    agreement = AgreementFactory()
    analyst = AnalystFactory()
    token = make_token(analyst)
    lost = database_fault(OperationalError("server closed the connection unexpectedly"))

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(summary="never")
            raise RuntimeError  # before COMMIT: nothing of it was written

    def committed():
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(summary="saved")

    def autocommit():
        Agreement.objects.filter(pk=agreement.pk).update(summary="saved again")

    def bookkeeping():
        client.force_login(analyst)  # the session and the user's last login
        APIClient().get("/api/v1/agreements/", **bearer(token))  # the token's last use

    assert _tracked(lambda: list(Agreement.objects.all())).saved(lost) is False
    assert _tracked(rolled_back).saved(lost) is False
    assert _tracked(bookkeeping).saved(lost) is False
    assert _tracked(committed).saved(lost) is None
    assert _tracked(autocommit).saved(lost) is None


# -- the answer -----------------------------------------------------------------------------


def test_a_write_to_a_locked_row_is_a_503_with_retry_after_while_reads_are_served(waits, rf):
    waits(SHORT)
    agreement = AgreementFactory(title="Before")
    analyst = AnalystFactory()
    api = _api(analyst)
    path = f"/api/v1/agreements/{agreement.pk}/"
    etag = api.get(path)["ETag"]
    browser = Client()
    browser.force_login(analyst)
    edit = f"/agreements/{agreement.slug}/edit/"
    form = replace(form_fields(browser.get(edit).text, css_class="record-form"), title="After")

    with _lock_row(Agreement, agreement.pk):
        refused = api.patch(path, {"title": "After"}, format="json", HTTP_IF_MATCH=etag)
        page = browser.post(edit, _posted(form))
        read = api.get(path)
        health = Client().get("/healthz")
        # One raised outside any view (in a middleware) reaches handler500: the same 503.
        try:
            with connection.cursor() as cursor:
                cursor.execute(UPDATE_TITLE, ["x", agreement.pk])
        except OperationalError:
            outside = server_error(rf.post("/api/v1/agreements/"))

    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["Retry-After"] == "3"
    body = refused.json()
    assert (body["status"], body["code"], body["reason"]) == (
        503,
        "temporarily_unavailable",
        "lock_timeout",
    )
    assert "nothing was saved" in body["detail"]
    assert page.status_code == 503 and page["Retry-After"] == "3"
    assert page["Content-Type"].startswith("text/html")
    assert "Nothing was saved" in page.text and "Traceback" not in page.text
    assert (read.status_code, health.status_code) == (200, 200)
    agreement.refresh_from_db()
    assert (agreement.title, agreement.version, len(history_rows(agreement))) == ("Before", 1, 1)
    assert outside.status_code == 503 and outside["Retry-After"] == "3"
    # Seen from outside the tracked request, a POST's outcome is not known.
    assert json.loads(outside.content)["code"] == "outcome_unknown"


def _posted(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    posted: dict[str, list[str]] = {}
    for name, value in fields:
        posted.setdefault(name, []).append(value)
    return posted


def _in_thread(call):
    result = {}

    def run():
        try:
            result["response"] = call()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_write_whose_session_is_terminated_is_retried_once(waits, monitor, caplog):
    caplog.set_level(logging.WARNING, logger="contours.database")
    waits(PATIENT)
    saved, refused = AgreementFactory(title="Before"), AgreementFactory(title="Before")
    api = _api(AnalystFactory())

    def patch(agreement):
        path = f"/api/v1/agreements/{agreement.pk}/"
        etag = api.get(path)["ETag"]
        return lambda: api.patch(path, {"title": "After"}, format="json", HTTP_IF_MATCH=etag)

    # Terminated once while it waits on the lock: retried on a new session, and saved.
    with _lock_row(Agreement, saved.pk) as held:
        thread, once = _in_thread(patch(saved))
        (waiting,) = pg.wait_for_lock_waiters(monitor)
        pg.terminate(monitor, waiting)
        held.rollback()  # the lock goes; the retry gets the row
    thread.join(timeout=pg.STATE_DEADLINE_SECONDS)

    # Terminated twice: the retry is not retried again, and nothing is saved.
    with _lock_row(Agreement, refused.pk):
        thread, twice = _in_thread(patch(refused))
        (first,) = pg.wait_for_lock_waiters(monitor)
        pg.terminate(monitor, first)
        (second,) = pg.wait_for_lock_waiters(monitor, exclude={first})
        pg.terminate(monitor, second)
        thread.join(timeout=pg.STATE_DEADLINE_SECONDS)

    assert once["response"].status_code == 200
    saved.refresh_from_db()
    assert (saved.title, saved.version, len(history_rows(saved))) == ("After", 2, 2)
    assert "transient database failure (connection_lost) on PATCH" in caplog.text
    assert "attempt 1" in caplog.text and "retrying" in caplog.text
    answer = twice["response"]
    assert answer.status_code == 503 and answer["Retry-After"] == "3"
    assert (answer.json()["code"], answer.json()["reason"]) == (
        "temporarily_unavailable",
        "connection_lost",
    )
    refused.refresh_from_db()
    assert (refused.title, refused.version, len(history_rows(refused))) == ("Before", 1, 1)


def test_a_read_whose_session_is_terminated_is_retried(waits, monitor):
    waits(PATIENT)
    AgreementFactory(title="Listed")
    api = _api(AnalystFactory())

    # A table lock (as a migration or VACUUM FULL takes) holds even readers back.
    with pg.holding(f'LOCK TABLE "{Agreement._meta.db_table}" IN ACCESS EXCLUSIVE MODE') as held:
        thread, result = _in_thread(lambda: api.get("/api/v1/agreements/"))
        (waiting,) = pg.wait_for_lock_waiters(monitor)
        pg.terminate(monitor, waiting)
        held.rollback()
    thread.join(timeout=pg.STATE_DEADLINE_SECONDS)

    assert result["response"].status_code == 200
    assert [a["title"] for a in result["response"].json()["results"]] == ["Listed"]


def test_writes_beyond_the_write_slots_are_refused_at_once_and_reads_go_on(
    waits, monitor, settings
):
    """deploy/gunicorn.conf.py gives writes half of each worker's threads; here, one slot."""
    waits(PATIENT)
    settings.CONTOURS_WRITE_SLOTS = 1
    locked, free = AgreementFactory(title="Locked"), AgreementFactory(title="Free")
    api = _api(AnalystFactory())
    etags = {a.pk: api.get(f"/api/v1/agreements/{a.pk}/")["ETag"] for a in (locked, free)}

    def patch(agreement):
        path = f"/api/v1/agreements/{agreement.pk}/"
        return api.patch(path, {"title": "New"}, format="json", HTTP_IF_MATCH=etags[agreement.pk])

    with _lock_row(Agreement, locked.pk) as held:
        thread, waiting = _in_thread(lambda: patch(locked))  # takes the one slot, and waits
        pg.wait_for_lock_waiters(monitor)
        refused = patch(free)
        read = api.get(f"/api/v1/agreements/{free.pk}/")
        held.rollback()
    thread.join(timeout=pg.STATE_DEADLINE_SECONDS)

    assert refused.status_code == 503 and refused["Retry-After"] == "3"
    assert (refused.json()["code"], refused.json()["reason"]) == (
        "temporarily_unavailable",
        "server_busy",
    )
    assert read.status_code == 200
    assert waiting["response"].status_code == 200
    free.refresh_from_db()
    assert (free.title, free.version) == ("Free", 1)
    assert patch(free).status_code == 200  # the slot is free again
