"""Health check, home page, login and error pages (portal/views.py, portal/urls.py)."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from django.urls import reverse

from accounts.services import user_create
from cooperation.choices import Visibility
from portal import views
from tests.factories import PASSWORD, AgreementFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


# -- /healthz -------------------------------------------------------------------------------


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch, caplog):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr(views, "connection", BrokenConnection())

    with caplog.at_level(logging.ERROR, logger="portal.views"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "error"}
    ours = [r for r in caplog.records if r.name == "portal.views"]
    assert [r.getMessage() for r in ours] == ["health check: database unavailable"]
    assert ours[0].exc_info[0] is OperationalError


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


# -- home -----------------------------------------------------------------------------------


def test_home_redirects_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_home_shows_an_analyst_the_dashboard(client, analyst):
    AgreementFactory(visibility=Visibility.PUBLISHED)
    RecommendationFactory()
    client.force_login(analyst)

    response = client.get("/")

    assert response.status_code == 200
    kinds = {kind["key"]: kind["total"] for kind in response.context["kinds"]}
    assert kinds["agreement"] == 1
    assert kinds["recommendation"] == 1


def test_home_sends_a_partner_to_the_api_access_page(client, partner):
    client.force_login(partner)

    response = client.get("/")

    # Never a 403 dead end: the page that explains the API and its tokens.
    assert response.status_code == 302
    assert response["Location"] == reverse("api_access")


# -- login ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ann@example.org", "Ann@Example.ORG", "ANN@EXAMPLE.ORG"])
def test_login_with_the_email_address_ignores_its_case(client, typed):
    user = user_create(email="Ann@Example.org", password=PASSWORD, roles=["analyst"])

    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_does_not_count_as_a_change_to_the_user(client, analyst):
    rows = analyst.history.count()

    client.post(reverse("login"), {"username": analyst.email, "password": PASSWORD})

    assert "_auth_user_id" in client.session
    assert analyst.history.count() == rows == 1


def test_login_with_a_wrong_password_is_refused(client, analyst):
    response = client.post(reverse("login"), {"username": analyst.email, "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert "_auth_user_id" not in client.session


def test_login_page_sends_a_logged_in_user_home(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("login"))

    assert (response.status_code, response["Location"]) == (302, reverse("home"))


def test_logout_ends_the_session(client, analyst):
    client.force_login(analyst)

    response = client.post(reverse("logout"))

    assert (response.status_code, response["Location"]) == (302, reverse("login"))
    assert client.get("/").status_code == 302


# -- error pages ----------------------------------------------------------------------------


def test_unknown_address_gets_the_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/admin/login/", "/api/docs/", "/api/docs/redoc/"]
)
def test_pages_name_a_favicon_the_portal_serves(client, path):
    from django.contrib.staticfiles import finders

    html = client.get(path).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg"' in html
    assert finders.find("img/favicon.svg")
