"""The core of authentication and conditional requests, over real HTTP (live server + requests)."""

from __future__ import annotations

import pytest

from accounts.services import api_token_revoke
from cooperation.models import Agreement
from tests.factories import AgreementFactory, AnalystFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def analyst_token(db):
    from accounts.services import api_token_create

    analyst = AnalystFactory()
    token, plaintext = api_token_create(user=analyst, name="live", can_write=True)
    return token, plaintext


def test_live_bearer_token_reads_and_missing_or_revoked_ones_get_401(http, analyst_token):
    token, plaintext = analyst_token
    AgreementFactory(title="Live agreement")
    ok = http("GET", "/api/v1/agreements/", plaintext)
    assert ok.status_code == 200
    assert [row["title"] for row in ok.json()["results"]] == ["Live agreement"]
    assert ok.json()["next"] is None

    anonymous = http("GET", "/api/v1/agreements/")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert anonymous.headers["Content-Type"] == "application/problem+json"

    api_token_revoke(token=token)
    revoked = http("GET", "/api/v1/agreements/", plaintext)
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == "This token has been revoked."


def test_live_etag_if_none_match_and_if_match(http, analyst_token):
    _, plaintext = analyst_token
    agreement = AgreementFactory(title="Before")
    path = f"/api/v1/agreements/{agreement.pk}/"

    first = http("GET", path, plaintext)
    etag = first.headers["ETag"]
    assert etag.startswith(f'"{agreement.version}-')
    assert http("GET", path, plaintext, headers={"If-None-Match": etag}).status_code == 304

    missing = http("PATCH", path, plaintext, json={"title": "After"})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"

    changed = http("PATCH", path, plaintext, json={"title": "After"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "After"
    assert changed.headers["ETag"] != etag

    stale = http("PATCH", path, plaintext, json={"title": "Lost"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert http("GET", path, plaintext, headers={"If-None-Match": etag}).status_code == 200

    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.title == "After"
    assert len(history_rows(agreement)) == 2  # created, changed once: the stale write left none


def test_live_unknown_api_path_is_a_json_404(http, analyst_token):
    response = http("GET", "/api/v1/nothing-here/", analyst_token[1])
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
