"""The change feed over real HTTP while writers commit concurrently (PostgreSQL).

Mirrors (a partner's and an analyst's) follow /api/v1/changes/ with `requests` against
the live server while three threads create, edit, publish, unpublish, annotate, trash and
merge records through the services, all touching one shared record too, so that their
transactions overlap and wait on one another. When the writers are done and the mirrors
have caught up, each mirror must equal a full read of every list. An entry committed
behind one a mirror already passed (a sequence number taken before, committed after)
would be missing from it.
"""

from __future__ import annotations

import threading

import pytest
import requests
from django.db import connection

from accounts.services import api_token_create
from cooperation.choices import AnnotationVisibility
from cooperation.services import (
    annotation_create,
    record_merge,
    record_publish,
    record_unpublish,
    tracked_delete,
    tracked_update,
)
from tests.api.changefeed import Mirror, full_read, path_of
from tests.factories import AgreementFactory, ChallengeFactory, DealFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WRITERS = 3
ROUNDS = 6


def http_get(live_server, token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def get(path):
        response = session.get(live_server.url + path_of(path), timeout=60)
        return response.status_code, response.json()

    return get


def write(index, curator, analyst, shared, errors):
    try:
        for n in range(ROUNDS):
            agreement = AgreementFactory(title=f"W{index} agreement {n}")
            record_publish(record=agreement, user=curator)
            tracked_update(
                instance=shared,
                user=curator,
                data={"summary": f"Writer {index}, round {n}"},
                expected_version=None,
            )
            annotation_create(
                author=analyst,
                body=f"Note {index}.{n}",
                record=agreement,
                visibility=AnnotationVisibility.PARTNERS,
            )
            deal = DealFactory(title=f"W{index} deal {n}", governed_by=[agreement, shared])
            record_publish(record=deal, user=curator)
            if n % 2:
                record_unpublish(record=agreement, user=curator)
            keep = ChallengeFactory(title=f"W{index} challenge {n}", affects_deals=[deal])
            duplicate = ChallengeFactory(
                title=f"W{index} challenge {n}!", affects_agreements=[shared]
            )
            record_publish(record=keep, user=curator)
            record_publish(record=duplicate, user=curator)
            record_merge(keep=keep, duplicate=duplicate, user=curator)
            if n % 3 == 2:
                tracked_delete(instance=deal, user=curator)
    except Exception as exc:  # reported by the test, with the writer's traceback
        errors.append(exc)
        raise
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_mirrors_following_the_feed_during_concurrent_writes_equal_a_full_read(
    live_server, curator, analyst, partner
):
    shared = AgreementFactory(title="Shared agreement")
    record_publish(record=shared, user=curator)
    mirrors = [
        Mirror(http_get(live_server, api_token_create(user=user, name="mirror")[1]), page_size=5)
        for user in (partner, analyst)
    ]
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=write, args=(i, curator, analyst, shared, errors))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    followed = 0
    while any(thread.is_alive() for thread in threads):
        for mirror in mirrors:
            followed += mirror.follow()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for mirror in mirrors:
        mirror.follow()
        expected = full_read(mirror.get)
        assert sorted(mirror.rows) == sorted(expected)
        for key, row in expected.items():
            assert mirror.rows[key] == row, key
        assert mirror.seqs == sorted(mirror.seqs)
    assert followed > 0, "the mirrors read nothing while the writers ran"


def _b_waits_or_is_done(b_done) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return b_done.is_set() or cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_an_entry_numbered_first_but_committed_last_is_not_skipped(live_server, curator, partner):
    """Writer A takes its entry's number and holds its transaction open; writer B writes
    after it. A mirror reading in between must not pass A's number by: B waits for A."""
    from django.db import transaction

    first, second = (AgreementFactory(title=t) for t in ("First", "Second"))
    for record in (first, second):
        record_publish(record=record, user=curator)
    mirror = Mirror(http_get(live_server, api_token_create(user=partner, name="m")[1]))
    mirror.follow()
    a_written, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[Exception] = []

    def writer_a():
        try:
            with transaction.atomic():
                data = {"title": "First, edited"}
                tracked_update(instance=first, user=curator, data=data, expected_version=None)
                a_written.set()
                release_a.wait()
        except Exception as exc:
            errors.append(exc)
        finally:
            a_written.set()
            connection.close()

    def writer_b():
        try:
            data = {"title": "Second, edited"}
            tracked_update(instance=second, user=curator, data=data, expected_version=None)
        except Exception as exc:
            errors.append(exc)
        finally:
            b_done.set()
            connection.close()

    a = threading.Thread(target=writer_a)
    a.start()
    a_written.wait()
    b = threading.Thread(target=writer_b)
    b.start()
    try:
        while not _b_waits_or_is_done(b_done):
            threading.Event().wait(0.01)  # polling for B's state; nothing here is timed
        mirror.follow()  # A is in flight; B has committed or waits for A
    finally:
        release_a.set()
        a.join()
        b.join()
    assert not errors, errors
    mirror.follow()
    assert mirror.rows == full_read(mirror.get)
    assert mirror.rows[("agreement", first.pk)]["title"] == "First, edited"
