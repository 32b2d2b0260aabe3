"""The API access page: every role lands on a useful page, never a bare 403, and a partner
organisation's admin creates and revokes its own members' tokens through the services."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_find, api_token_revoke, user_update
from tests.factories import PASSWORD, OrganisationFactory, PartnerFactory, UserFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db
URL = "/accounts/api-access/"


@pytest.fixture
def org_admin(partner):
    return user_update(user=partner, data={"is_org_admin": True})


@pytest.fixture
def colleague(partner):
    return PartnerFactory(organisation=partner.organisation, full_name="Colin Colleague")


@pytest.fixture
def outsider(db):
    return PartnerFactory(organisation=OrganisationFactory(), full_name="Otto Outsider")


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "role", ["analyst", "curator", "admin", "partner", "org_admin", "no_role_user"]
)
def test_every_role_gets_the_page_with_the_docs_and_no_403(client, request, role):
    user = UserFactory(roles=[]) if role == "no_role_user" else request.getfixturevalue(role)
    response = logged_in(client, user).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for link in ("/api/docs/", "/api/docs/redoc/", "/api/schema/", "/api/v1/changes/"):
        assert link in page
    assert response["Cache-Control"] == "no-store"
    assert ("Create a token" in page) == (role == "org_admin")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["partner", "org_admin"])
def test_a_partner_logging_in_lands_on_the_api_page(client, request, role):
    user = request.getfixturevalue(role)
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.status_code == 200
    assert landing.redirect_chain[-1][0] == URL


def test_the_workspace_403_page_links_to_the_api_page(client, partner):
    response = logged_in(client, partner).get(reverse("cooperation:agreement_list"))
    assert response.status_code == 403
    assert URL in response.content.decode()


def test_an_org_admin_creates_a_token_shown_once_and_logged(client, org_admin, colleague, caplog):
    caplog.set_level(logging.INFO, logger="contours.security")
    data = {"action": "create", "owner": colleague.pk, "name": "Sync", "scope": "write"}
    response = logged_in(client, org_admin).post(URL, data)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=colleague)
    plaintext = response.context["new_token"]
    assert api_token_find(plaintext) == token and token.can_write
    assert plaintext in response.content.decode()
    assert len(history_rows(token)) == 1
    assert history_rows(token)[0].history_user_id == org_admin.pk
    assert "event=api_token_created" in caplog.text
    again = client.get(URL).content.decode()
    assert plaintext not in again and "Sync" in again


def test_a_read_scope_token_cannot_write(client, org_admin):
    data = {"action": "create", "owner": org_admin.pk, "name": "Reader", "scope": "read"}
    logged_in(client, org_admin).post(URL, data)
    assert ApiToken.objects.get(user=org_admin).can_write is False


def test_an_org_admin_revokes_a_token_at_once(client, org_admin, colleague, caplog):
    caplog.set_level(logging.INFO, logger="contours.security")
    token, plaintext = api_token_create(user=colleague, name="Leaked")
    api = client.__class__()
    assert (
        api.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    )
    response = logged_in(client, org_admin).post(URL, {"action": "revoke", "token": token.pk})
    assert response.status_code == 200
    assert "revoked" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert (
        api.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    )
    assert "event=api_token_revoked" in caplog.text


def test_an_org_admin_cannot_touch_another_organisations_tokens(client, org_admin, outsider):
    token, _ = api_token_create(user=outsider, name="Theirs")
    response = logged_in(client, org_admin).post(URL, {"action": "revoke", "token": token.pk})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert "no such token" in response.content.decode()
    created = client.post(
        URL, {"action": "create", "owner": outsider.pk, "name": "x", "scope": "read"}
    )
    assert created.status_code == 400
    assert not ApiToken.objects.filter(user=outsider, name="x").exists()
    assert "Theirs" not in client.get(URL).content.decode()


@pytest.mark.parametrize("role", ["partner", "analyst", "curator"])
def test_others_who_post_get_the_page_with_an_explanation_and_nothing_changes(
    client, request, role, colleague
):
    token, _ = api_token_create(user=colleague, name="Keep")
    user = request.getfixturevalue(role)
    for data in (
        {"action": "revoke", "token": token.pk},
        {"action": "create", "owner": colleague.pk, "name": "x", "scope": "write"},
    ):
        response = logged_in(client, user).post(URL, data)
        assert response.status_code == 403
        assert "may create or revoke tokens here" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert ApiToken.objects.filter(user=colleague).count() == 1


def test_the_service_enforces_the_same_rule_whoever_calls_it(org_admin, colleague, outsider):
    api_token_create(user=colleague, name="ok", actor=org_admin)
    with pytest.raises(PermissionDenied):
        api_token_create(user=outsider, name="no", actor=org_admin)
    theirs, _ = api_token_create(user=outsider, name="theirs")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=theirs, actor=org_admin)
    with pytest.raises(PermissionDenied):  # a plain partner is no organisation admin
        api_token_create(user=org_admin, name="no", actor=colleague)
