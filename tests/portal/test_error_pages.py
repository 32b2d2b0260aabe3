"""Error pages with debug off: a generic page for people, problem+json under /api/, no trace.

tests/portal/urls.py adds views that raise each kind of error behind the portal's own
handlers (portal/views.py).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.portal.urls import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.urls")]

PAGES = {
    400: ("errors/400.html", "Bad request"),
    403: ("errors/403.html", "Not allowed"),
    404: ("errors/404.html", "Page not found"),
    500: ("errors/500.html", "Something went wrong"),
}


@pytest.fixture
def quiet_client():
    # As a browser sees it: an unhandled exception is answered, not re-raised into the test.
    return Client(raise_request_exception=False)


def _assert_nothing_leaks(response) -> None:
    body = response.content.decode()
    assert SECRET not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    assert "settings.py" not in body


@pytest.mark.parametrize("status", sorted(PAGES))
def test_error_page_for_people_is_generic(quiet_client, status, caplog):
    assert settings.DEBUG is False

    response = quiet_client.get(f"/test-fail/{status}/")

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    template, heading = PAGES[status]
    assert heading in response.content.decode()
    if status != 500:  # 500 renders without the template engine's context (portal/views.py)
        assert template in [t.name for t in response.templates]
    _assert_nothing_leaks(response)


@pytest.mark.parametrize("status", sorted(PAGES))
def test_error_under_api_is_problem_json(quiet_client, status, caplog):
    response = quiet_client.get(f"/api/test-fail/{status}/")

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert body["status"] == status
    assert (
        body["code"]
        == {
            400: "bad_request",
            403: "permission_denied",
            404: "not_found",
            500: "server_error",
        }[status]
    )
    _assert_nothing_leaks(response)


def test_error_500_is_logged_for_the_team_but_not_shown(quiet_client, caplog):
    quiet_client.get("/test-fail/500/")

    assert any(SECRET in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_error_for_an_unknown_host_is_the_generic_400(client, caplog):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "evil.example" not in response.content.decode()


def test_error_for_an_unknown_host_under_api_is_json(client, caplog):
    response = client.get("/api/v1/agreements/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Bad request."
    assert response.json()["code"] == "bad_request"


def test_error_csrf_failure_is_a_page_for_people_and_json_under_api(analyst, caplog):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(analyst)

    page = strict.post("/accounts/logout/")
    assert page.status_code == 403
    assert "This form has expired" in page.content.decode()
    assert "CSRF cookie not set" not in page.content.decode()  # the reason is only logged
    assert "_auth_user_id" in strict.session  # the logout did not happen

    api = strict.post("/api/v1/agreements/", {}, content_type="application/json")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert "CSRF" in api.json()["detail"]
