"""Idempotency-Key on API POSTs: the same request twice writes once and answers the same.

(The IETF httpapi draft "The Idempotency-Key HTTP Header Field".) Two requests sent at the
same moment with one key are in tests/trust/test_faults.py, over real HTTP.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cooperation.models import Agreement, IdempotencyKey, RecommendationStatusChange
from tests.api.conftest import client_for
from tests.factories import API_BASIS, AnalystFactory, CuratorFactory, RecommendationFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db

NEW = {"title": "Keyed accord", "slug": "keyed-accord", "kind": "mou", **API_BASIS}


def _post(client, data=None, *, key='"k-1"', path="/api/v1/agreements/", **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(path, data if data is not None else NEW, format="json", **headers)


def test_the_same_key_and_body_replay_the_first_answer_without_writing_again(analyst):
    client = client_for(analyst)

    first = _post(client)
    again = _post(client)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    for header in ("Location", "ETag", "Content-Type"):
        assert again[header] == first[header], header
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    agreement = Agreement.objects.get()
    assert len(history_rows(agreement)) == 1 and agreement.version == 1


def test_a_different_body_or_path_with_the_same_key_is_422_and_writes_nothing(analyst):
    client = client_for(analyst)
    assert _post(client).status_code == 201

    other_body = _post(client, {**NEW, "title": "Another title"})
    other_path = _post(
        client, {"title": "x", "slug": "x", "category": "cost"}, path="/api/v1/challenges/"
    )

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert refused.json()["code"] == "idempotency_key_reused"
    assert Agreement.objects.get().title == NEW["title"]


def test_json_bodies_compare_by_meaning_not_by_spacing_or_key_order(analyst):
    client = client_for(analyst)
    basis = '"basis": {"basis": "judgement", "reason": "Test data"}'
    body = '{"title": "Keyed accord", "slug": "keyed-accord", "kind": "mou", ' + basis + "}"
    same = '{"basis":{"reason":"Test data","basis":"judgement"},"kind":"mou",' + (
        '"slug":"keyed-accord","title":"Keyed accord"}'
    )
    headers = {"HTTP_IDEMPOTENCY_KEY": '"k-2"', "content_type": "application/json"}

    first = client.post("/api/v1/agreements/", body, **headers)
    again = client.post("/api/v1/agreements/", same, **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Agreement.objects.count() == 1


def test_keys_belong_to_one_token_and_one_user(analyst):
    mine, my_other_token = client_for(analyst), client_for(analyst)
    someone_else = client_for(AnalystFactory())

    assert _post(mine).status_code == 201
    # The same key from another token, even the same person's, is another key: it writes
    # (and here meets the slug the first request took).
    assert _post(my_other_token).status_code == 400
    assert _post(someone_else, {**NEW, "slug": "theirs"}).status_code == 201
    assert Agreement.objects.count() == 2
    scopes = list(IdempotencyKey.objects.values_list("scope", flat=True))
    assert len(set(scopes)) == 2 and all(scope.startswith("token:") for scope in scopes)


def test_a_logged_in_session_has_its_own_keys(client, analyst):
    client.force_login(analyst)
    headers = {"HTTP_IDEMPOTENCY_KEY": "session-key", "content_type": "application/json"}

    first = client.post("/api/v1/agreements/", NEW, **headers)
    again = client.post("/api/v1/agreements/", NEW, **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().scope == f"user:{analyst.pk}"


def test_only_successful_answers_are_kept_so_a_corrected_retry_writes(analyst):
    client = client_for(analyst)

    refused = _post(client, {**NEW, "kind": "not-a-kind"})
    corrected = _post(client)

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert "Idempotent-Replayed" not in corrected
    assert Agreement.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_a_refused_client_claims_no_key(partner):
    # Authentication and permission come first: a partner may not create agreements.
    refused = _post(client_for(partner))

    assert refused.status_code == 403
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ('"with space and \\"quote\\""', 'with space and "quote"'),
    ],
)
def test_the_key_is_a_structured_field_string_or_a_bare_token(analyst, value, key):
    assert _post(client_for(analyst), key=value).status_code == 201
    assert IdempotencyKey.objects.get().key == key


@pytest.mark.parametrize(
    "value", ['""', '"unterminated', '"bad \\n escape"', "two words", "x" * 256, '"é"']
)
def test_a_malformed_key_is_refused_with_400_and_nothing_is_written(analyst, value):
    refused = _post(client_for(analyst), key=value)

    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_idempotency_key"
    assert not Agreement.objects.exists()


def test_an_expired_key_is_free_again_and_purged_by_the_command(analyst):
    client = client_for(analyst)
    assert _post(client).status_code == 201
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = _post(client, {**NEW, "slug": "second-accord"})

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Agreement.objects.count() == 2
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_idempotency_keys", stdout=(out := io.StringIO()))
    assert out.getvalue() == "Deleted 1 idempotency key older than 24 hours.\n"
    assert not IdempotencyKey.objects.exists()


def test_the_purge_keeps_keys_within_their_retention(analyst):
    assert _post(client_for(analyst)).status_code == 201

    call_command("purge_idempotency_keys", stdout=io.StringIO())

    assert IdempotencyKey.objects.count() == 1


def test_a_transition_replays_too_and_moves_the_status_once():
    curator = CuratorFactory()
    recommendation = RecommendationFactory()
    client = client_for(curator)
    path = f"/api/v1/recommendations/{recommendation.pk}/transition/"
    body = {"to": "under_review", "note": "Looking at it"}
    moves = RecommendationStatusChange.objects.filter(recommendation=recommendation)
    before = moves.count()

    first = _post(client, body, path=path, key='"move-1"')
    again = _post(client, body, path=path, key='"move-1"')

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert moves.count() == before + 1


def test_gets_and_other_methods_ignore_the_header(analyst):
    client = client_for(analyst)
    created = _post(client, key=None)
    path = created["Location"]

    read = client.get(path, HTTP_IDEMPOTENCY_KEY='"k"')
    changed = client.patch(
        path,
        {"summary": "s"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
        HTTP_IDEMPOTENCY_KEY='"k"',
    )

    assert (read.status_code, changed.status_code) == (200, 200)
    assert not IdempotencyKey.objects.exists()
