"""Two writers holding the same ETag: exactly one wins, the other gets 412, over real HTTP."""

from __future__ import annotations

import threading

import pytest
import requests

from accounts.services import api_token_create
from cooperation.models import Agreement
from tests.factories import AgreementFactory, AnalystFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_two_writers_with_the_same_if_match_exactly_one_wins(live_server, curator, method):
    writers = [AnalystFactory() if method == "PATCH" else curator for _ in range(2)]
    tokens = [api_token_create(user=w, name="race", can_write=True)[1] for w in writers]
    agreement = AgreementFactory(title="Contested")
    url = f"{live_server.url}/api/v1/agreements/{agreement.pk}/"
    etag = requests.get(url, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30).headers[
        "ETag"
    ]
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def write(index):
        headers = {"Authorization": f"Bearer {tokens[index]}", "If-Match": etag}
        body = {"title": f"Writer {index}"} if method == "PATCH" else None
        barrier.wait()
        statuses[index] = requests.request(
            method, url, headers=headers, json=body, timeout=30
        ).status_code

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winner = 200 if method == "PATCH" else 204
    assert sorted(statuses) == sorted([winner, 412]), statuses
    agreement = Agreement.all_objects.get(pk=agreement.pk)
    assert agreement.version == 2
    assert len(history_rows(agreement)) == 2
    if method == "PATCH":
        assert agreement.title == f"Writer {statuses.index(200)}"
