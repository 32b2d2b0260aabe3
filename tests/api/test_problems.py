"""Every API error is RFC 9457 problem details (`application/problem+json`), wherever it is
raised: in a viewset, in Django's URL resolver, in a middleware, the CSRF check or a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_FIELDS, body
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    if code is not None:
        assert body["code"] == code
    return body


def test_errors_raised_by_the_viewsets_are_problems(world, analyst, partner):
    staff, reader = client_for(analyst), client_for(partner, write=False)
    assert_problem(client_for(None).get("/api/v1/agreements/"), 401)
    assert_problem(reader.post("/api/v1/annotations/", {}, format="json"), 403)
    assert_problem(staff.get("/api/v1/agreements/999999/"), 404, "not_found")
    assert_problem(staff.delete("/api/v1/sources/1/"), 405, "method_not_allowed")
    agreement = world.records["agreements"]["published"]
    assert_problem(staff.patch(f"/api/v1/agreements/{agreement.pk}/", {}, format="json"), 428)
    stale = staff.patch(
        f"/api/v1/agreements/{agreement.pk}/", {}, format="json", HTTP_IF_MATCH='"0-x"'
    )
    assert_problem(stale, 412)
    unsupported = staff.post("/api/v1/topics/", "a=b", content_type="text/plain")
    assert_problem(unsupported, 415, "unsupported_media_type")


def test_validation_errors_keep_field_errors_under_errors(analyst):
    response = client_for(analyst).get("/api/v1/agreements/", {"kind": "bribery"})
    body = assert_problem(response, 400, "invalid")
    assert body["title"] == "Bad Request"
    assert set(body["errors"]) == {"kind"}


def test_an_export_error_is_a_problem_not_labelled_csv(analyst):
    response = client_for(analyst).get(
        "/api/v1/agreements/export/", {"kind": "bribery"}, HTTP_ACCEPT="text/csv"
    )
    body = assert_problem(response, 400, "invalid")
    assert "kind" in body["errors"]


def test_errors_outside_drf_under_api_are_problems(analyst):
    client = client_for(analyst)
    assert_problem(client.get("/api/v1/nowhere/"), 404, "not_found")
    assert_problem(client.get("/api/v1/agreements"), 404, "not_found")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(analyst)
    refused = strict.post("/api/v1/agreements/", {}, content_type="application/json")
    assert "CSRF" in assert_problem(refused, 403)["detail"]


def test_an_unexpected_error_is_a_problem_500_without_a_trace(analyst, monkeypatch, caplog):
    from cooperation.api import views

    def explode(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.TopicViewSet, "visible", explode)
    response = client_for(analyst).get("/api/v1/topics/")
    assert assert_problem(response, 500, "server_error")["detail"] == "Server error."
    assert "secret internals" not in response.content.decode()


# -- 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE -----------------------------------------


LIMIT = 2_000


@pytest.mark.parametrize("idempotent", [False, True], ids=["plain", "idempotency-key"])
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_a_body_over_the_limit_is_413_naming_it(world, analyst, idempotent):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-413"} if idempotent else {}
    body = '{"name": "' + "x" * (LIMIT * 2) + '", "slug": "big"}'
    response = client_for(analyst).post(
        "/api/v1/topics/", body, content_type="application/json", **headers
    )
    problem = assert_problem(response, 413, "payload_too_large")
    assert str(LIMIT) in problem["detail"]
    assert problem["limit_bytes"] == LIMIT
    assert not client_for(analyst).get("/api/v1/topics/", {"q": "big"}).json()["results"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_a_body_just_under_the_limit_is_read(analyst):
    body = '{"name": "Small", "slug": "small"}'
    response = client_for(analyst).post("/api/v1/topics/", body, content_type="application/json")
    assert response.status_code == 201, response.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_a_form_over_the_limit_is_a_413_page_for_people(analyst):
    client = Client(raise_request_exception=False)
    client.force_login(analyst)
    response = client.post("/agreements/new/", {"title": "x" * (LIMIT * 2)})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Too large" in response.content.decode()
    assert "errors/413.html" in [t.name for t in response.templates]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_a_body_over_the_limit_met_outside_drf_under_api_is_a_problem(rf):
    # Django hands RequestDataTooBig, met by a middleware or a plain view, to handler400.
    from django.core.exceptions import RequestDataTooBig

    from portal.views import bad_request

    response = bad_request(rf.post("/api/v1/agreements/"), RequestDataTooBig("too big"))
    response.json = lambda: json.loads(response.content)
    assert_problem(response, 413, "payload_too_large")
