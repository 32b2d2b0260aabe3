"""No lost updates: clients racing to edit one record, through the API and the web form.

Every round, each client reads the record (an ETag from the API, or the edit form
with the version it was opened at), waits at a barrier until all have read, and
then all write at once, each appending its own mark to the summary. Exactly one
write per round may win; every loser must be refused (412 from the API, the
conflict page from the web form). If the version check were compare-then-save,
several writers of a round would pass the check before any saved: the round
would have more than one winner and their appends would overwrite each other.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.services import api_token_create
from cooperation.models import Agreement
from tests.factories import AgreementFactory, AnalystFactory
from tests.trust.clients import TIMEOUT, ApiClient, WebClient, replace
from tests.utils import history_rows

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Contested from the start."


def _clients(base_url: str, *, api: int, web: int) -> list[ApiClient | WebClient]:
    clients = []
    for _ in range(api):
        token = api_token_create(user=AnalystFactory(), name="race", can_write=True)[1]
        clients.append(ApiClient(base_url, token))
    for _ in range(web):
        clients.append(WebClient(base_url, AnalystFactory().email))
    return clients


def _read(client, agreement) -> dict:
    """What the client holds before writing: the version it read, and the summary it saw."""
    if isinstance(client, ApiClient):
        response = client.call("GET", f"/api/v1/agreements/{agreement.pk}/")
        assert response.status_code == 200, response.status_code
        return {"etag": response.headers["ETag"], "summary": response.json()["summary"]}
    fields = client.open_form(f"/agreements/{agreement.slug}/edit/")
    return {"fields": fields, "summary": dict(fields)["summary"]}


def _write(client, agreement, held: dict, *, title: str, mark: str, barrier) -> bool:
    """Append `mark` to the summary held; True if this write won, False if refused as stale."""
    summary = f"{held['summary']} {mark}"
    if isinstance(client, ApiClient):
        barrier.wait()
        response = client.call(
            "PATCH",
            f"/api/v1/agreements/{agreement.pk}/",
            json={"title": title, "summary": summary},
            headers={"If-Match": held["etag"]},
        )
        assert response.status_code in (200, 412), (response.status_code, response.text[:300])
        if response.status_code == 412:
            assert response.headers["Content-Type"] == "application/problem+json"
        return response.status_code == 200
    fields = replace(held["fields"], title=title, summary=summary)
    barrier.wait()
    response = client.submit(f"/agreements/{agreement.slug}/edit/", fields)
    assert response.status_code in (302, 409), (response.status_code, response.text[:300])
    if response.status_code == 409:
        assert "Edit conflict" in response.text
        assert "Nothing you typed was saved." in response.text
    else:
        assert response.headers["Location"] == f"/agreements/{agreement.slug}/"
    return response.status_code == 302


def _round(pool, clients, agreement, number: int) -> str:
    """One round: everyone reads, then everyone writes at once; the winner's mark."""
    # All reads finish before any write starts, so every client holds the same version.
    held = list(pool.map(lambda c: _read(c, agreement), clients))
    assert len({h["summary"] for h in held}) == 1
    barrier = threading.Barrier(len(clients), timeout=TIMEOUT)
    marks = [f"[r{number}c{i}]" for i in range(len(clients))]

    def write(i: int) -> bool:
        return _write(
            clients[i],
            agreement,
            held[i],
            title=f"Round {number} by client {i}",
            mark=marks[i],
            barrier=barrier,
        )

    won = list(pool.map(write, range(len(clients))))
    assert won.count(True) == 1, f"round {number}: {won.count(True)} writers won"
    return marks[won.index(True)]


def _race(base_url: str, *, api: int, web: int, rounds: int) -> None:
    agreement = AgreementFactory(title="Contested", summary=SUMMARY)
    clients = _clients(base_url, api=api, web=web)
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(lambda c: c.login(), [c for c in clients if isinstance(c, WebClient)]))
        winners = [_round(pool, clients, agreement, n) for n in range(1, rounds + 1)]

    agreement = Agreement.all_objects.get(pk=agreement.pk)
    rows = history_rows(agreement)[::-1]  # oldest first
    # Successful writes == version increments == history rows (after the one of creation).
    assert agreement.version - 1 == len(winners) == rounds
    assert len(rows) - 1 == len(winners)
    assert [row.version for row in rows] == list(range(1, rounds + 2))
    # Every winner's append survived: none was overwritten by a writer holding an old copy.
    assert agreement.summary == " ".join([SUMMARY, *winners])
    assert [row.summary for row in rows[1:]] == [
        " ".join([SUMMARY, *winners[:n]]) for n in range(1, rounds + 1)
    ]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="20 writers need PostgreSQL")
def test_twenty_clients_api_and_web_lose_no_update(live_server, plain_http_cookies):
    _race(live_server.url, api=10, web=10, rounds=3)


def test_four_clients_api_and_web_lose_no_update(live_server, plain_http_cookies):
    # The small variant also runs on SQLite, where BEGIN IMMEDIATE serialises the writers.
    _race(live_server.url, api=2, web=2, rounds=2)
