"""The OpenAPI schema states the HTTP contract: problem details, conditional requests,
rate limits and every status code an operation may answer (issue 12, "HTTP done properly")."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def _headers(operation):
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_the_problem_component_is_rfc_9457_and_every_error_uses_it(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(problem["properties"])
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (path, method, code)


def test_every_operation_documents_the_common_refusals_and_ratelimit_fields(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for code in ("400", "401", "403", "404", "405", "429"):
            assert code in responses, (path, method, code)
        assert "Retry-After" in responses["429"]["headers"]
        assert "Allow" in responses["405"]["headers"]
        for code, response in responses.items():
            assert {"RateLimit-Policy", "RateLimit"} <= set(response["headers"]), (path, code)
    headers = schema["components"]["headers"]
    assert '"client";q=1200;w=60' in headers["RateLimit-Policy"]["description"]
    assert '"client";r=1187;t=42' in headers["RateLimit"]["description"]


def test_reads_document_revalidation_and_writes_their_preconditions(schema):
    details = [(p, m, o) for p, m, o in _operations(schema) if p.endswith("{id}/") and m == "get"]
    assert details
    for path, _, operation in details:
        assert {"If-None-Match", "If-Modified-Since"} <= _headers(operation), path
        not_modified = operation["responses"]["304"]
        assert {"ETag", "Last-Modified"} <= set(not_modified["headers"])
        assert "content" not in not_modified
        assert {"ETag", "Last-Modified", "Cache-Control"} <= set(
            operation["responses"]["200"]["headers"]
        )
    writes = [(p, m, o) for p, m, o in _operations(schema) if m in ("put", "patch", "delete")]
    assert writes
    for path, method, operation in writes:
        assert "If-Match" in _headers(operation), (path, method)
        assert {"412", "428"} <= set(operation["responses"]), (path, method)
        if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
        assert "strong comparison" in if_match["description"] and "`*`" in if_match["description"]


def test_bodies_document_413_with_the_limit_and_415(schema):
    limit = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    bodies = [(p, m, o) for p, m, o in _operations(schema) if m in ("post", "put", "patch")]
    assert bodies
    for path, method, operation in bodies:
        assert limit in operation["responses"]["413"]["description"], (path, method)
        assert "415" in operation["responses"], (path, method)


def test_the_api_root_is_documented(schema):
    assert set(schema["paths"]["/api/v1/"]["get"]["responses"]) >= {"200", "401", "429"}
