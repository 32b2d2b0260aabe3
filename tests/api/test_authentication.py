"""Who gets in: Bearer tokens (valid, unknown, expired, revoked, read-only) and sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke, user_set_roles
from tests.api.conftest import RECORDS, RESOURCES, bearer, client_for, make_token

pytestmark = pytest.mark.django_db


def _endpoints(world):
    """(method, path) of every operation, on objects that exist."""
    ids = {
        "sources": world.published_source.pk,
        "excerpts": world.published_excerpt.pk,
        "actors": world.actor.pk,
        "topics": world.topic.pk,
        "tags": world.tag.pk,
        "annotations": world.notes["partners_on_published"].pk,
        **{name: world.records[name]["published"].pk for name in RECORDS},
    }
    rec = ids["recommendations"]
    for name in RESOURCES:
        yield "get", f"/api/v1/{name}/"
        yield "get", f"/api/v1/{name}/{ids[name]}/"
        yield "get", f"/api/v1/{name}/export/"
        if name not in ("sources", "tags"):  # read-only in the API
            yield "post", f"/api/v1/{name}/"
            yield "patch", f"/api/v1/{name}/{ids[name]}/"
            yield "put", f"/api/v1/{name}/{ids[name]}/"
            yield "delete", f"/api/v1/{name}/{ids[name]}/"
    yield "post", f"/api/v1/recommendations/{rec}/transition/"
    yield "get", f"/api/v1/recommendations/{rec}/history/"


def test_every_endpoint_refuses_anonymous_clients_with_401(world):
    client = APIClient()
    for method, path in _endpoints(world):
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def _assert_refused(token: str, detail: str):
    client = APIClient()
    client.credentials(**bearer(token))
    response = client.get("/api/v1/agreements/")
    assert response.status_code == 401
    body = response.json()
    assert (body["detail"], body["code"], body["status"]) == (detail, "authentication_failed", 401)


def test_an_expired_token_is_refused(partner):
    token, plaintext = api_token_create(user=partner, name="t", expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_refused(plaintext, "This token has expired.")


def test_a_revoked_token_is_refused_and_others_still_work(partner):
    token, plaintext = api_token_create(user=partner, name="t")
    other = make_token(partner)
    api_token_revoke(token=token)
    _assert_refused(plaintext, "This token has been revoked.")
    assert client_for_token(other).get("/api/v1/agreements/").status_code == 200


def client_for_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(token))
    return client


@pytest.mark.parametrize(
    "header",
    ["Bearer ctr_0000000000_" + "a" * 43, "Bearer nonsense", "Bearer", "Bearer a b"],
)
def test_unknown_or_malformed_tokens_are_refused(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/agreements/")
    assert response.status_code == 401
    assert set(response.json()) == {"type", "title", "status", "detail", "code"}


def test_an_inactive_users_token_is_refused(partner):
    plaintext = make_token(partner)
    type(partner).objects.filter(pk=partner.pk).update(is_active=False)
    _assert_refused(plaintext, "This account is inactive.")


def test_a_token_notes_when_it_was_last_used(partner):
    token, plaintext = api_token_create(user=partner, name="t")
    assert client_for_token(plaintext).get("/api/v1/actors/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_user_whose_roles_were_removed_is_forbidden(analyst):
    plaintext = make_token(analyst)
    user_set_roles(user=analyst, roles=[])
    response = client_for_token(plaintext).get("/api/v1/actors/")
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]


def test_a_read_only_token_cannot_write_even_for_a_curator(curator, world):
    client = client_for(curator, write=False)
    agreement = world.records["agreements"]["published"]
    etag = client.get(f"/api/v1/agreements/{agreement.pk}/")["ETag"]
    response = client.patch(
        f"/api/v1/agreements/{agreement.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


def test_session_authentication_works_and_enforces_csrf(analyst, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.get("/api/v1/agreements/").status_code == 200
    response = client.post("/api/v1/actors/", {"name": "X", "slug": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
