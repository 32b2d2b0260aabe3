"""The OpenAPI schema and its docs (served locally), the error format, and throttling."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_every_resource_and_the_bearer_scheme(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for name in (
        "sources",
        "excerpts",
        "actors",
        "topics",
        "agreements",
        "deals",
        "challenges",
        "recommendations",
        "annotations",
    ):
        assert f"/api/v1/{name}/" in paths
        assert f"/api/v1/{name}/{{id}}/" in paths
        assert f"/api/v1/{name}/export/" in paths
    assert "/api/v1/recommendations/{id}/transition/" in paths
    assert "/api/v1/recommendations/{id}/history/" in paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "Problem" in schema["components"]["schemas"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/redoc/"])
def test_the_docs_reference_only_local_static_files(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    for reference in references:
        assert reference.startswith(("/static/", "/api/")), reference
        served = client.get(reference)
        served.close()  # static files stream from disk
        assert served.status_code == 200, reference
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert "http://" not in html and "https://" not in html


def test_unknown_api_paths_and_methods_answer_json(analyst):
    client = client_for(analyst)
    for path in ("/api/v1/nowhere/", "/api/v2/agreements/", "/api/v1/agreements"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/agreements/abc/").status_code == 404
    not_allowed = client.delete("/api/v1/sources/1/")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["code"] == "method_not_allowed"


def test_an_unexpected_error_is_a_json_500_without_a_trace(analyst, monkeypatch, caplog):
    from cooperation.api import views

    def explode(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.TopicViewSet, "visible", explode)
    response = client_for(analyst).get("/api/v1/topics/")
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Server error.",
        "code": "server_error",
    }
    assert "secret internals" not in response.content.decode()
    assert "secret internals" in caplog.text  # but it is logged


@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_throttling_refuses_requests_over_the_rate(analyst, who):
    cache.clear()
    rates = {"client": "2/minute", "anon": "2/minute"}
    settings = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    client = client_for(analyst if who == "client" else None)
    with override_settings(REST_FRAMEWORK=settings):
        codes = [client.get("/api/v1/topics/").status_code for _ in range(3)]
        last = client.get("/api/v1/topics/")
    expected = 200 if who == "client" else 401
    assert codes == [expected, expected, 429]
    assert last.json()["code"] == "throttled"
    assert int(last["Retry-After"]) > 0
    cache.clear()


def test_each_token_has_its_own_bucket(analyst, curator):
    cache.clear()
    settings = {
        **api_settings.user_settings,
        "DEFAULT_THROTTLE_RATES": {"client": "1/minute", "anon": "1/minute"},
    }
    first, second = client_for(analyst), client_for(curator)
    with override_settings(REST_FRAMEWORK=settings):
        assert first.get("/api/v1/topics/").status_code == 200
        assert first.get("/api/v1/topics/").status_code == 429
        assert second.get("/api/v1/topics/").status_code == 200
    cache.clear()
