"""/api/v1/ is the API's front door: the collections and the documents about them, with
absolute URLs, for any caller with a role; anonymous callers get the API's 401."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from tests.api.conftest import RESOURCES, make_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_callers_get_401_with_the_bearer_challenge(live_server):
    response = requests.get(f"{live_server.url}/api/v1/", timeout=30)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.headers["Content-Type"].split(";")[0] in (
        "application/json",
        "application/problem+json",
    )
    assert "RateLimit" in response.headers


def test_a_token_reads_every_collection_and_the_documents_with_absolute_urls(live_server, partner):
    token = make_token(partner)
    response = requests.get(
        f"{live_server.url}/api/v1/", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["collections"]) == set(RESOURCES)
    for name, url in body["collections"].items():
        assert url == f"{live_server.url}/api/v1/{name}/"
        listed = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert listed.status_code == 200, name
    assert body["schema"] == f"{live_server.url}/api/schema/"
    assert body["docs"] == f"{live_server.url}/api/docs/"
    assert "private" in response.headers["Cache-Control"]
    assert "RateLimit-Policy" in response.headers


def test_a_partner_logged_in_on_the_web_reads_it_too(partner):
    client = Client()
    client.force_login(partner)
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert set(response.json()["collections"]) == set(RESOURCES)


def test_it_is_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/"]["get"]
    assert "200" in operation["responses"] and "401" in operation["responses"]
