"""User admin: roles are set through accounts.services, with their rules as form errors."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import roles_of
from tests.factories import AdminFactory, AnalystFactory, OrganisationFactory

from .helpers import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_user_admin_add_creates_user_with_roles(admin_client):
    url = reverse("admin:accounts_user_add")
    response = admin_client.post(
        url,
        {
            "email": "New.Curator@Example.org",
            "full_name": "New Curator",
            "roles": ["curator"],
            "usable_password": "true",
            "password1": "a-very-long-passphrase-9",
            "password2": "a-very-long-passphrase-9",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.curator@example.org")
    assert roles_of(user) == {"curator"}
    assert user.is_staff
    assert user.check_password("a-very-long-passphrase-9")


def test_user_admin_partner_without_organisation_is_a_form_error(admin_client):
    analyst = AnalystFactory()
    url = reverse("admin:accounts_user_change", args=[analyst.pk])
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, roles=["partner"]))
    assert response.status_code == 200
    assert "must belong to an organisation" in str(response.context["adminform"].form.errors)
    assert roles_of(User.objects.get(pk=analyst.pk)) == {"analyst"}


def test_user_admin_change_roles(admin_client):
    analyst = AnalystFactory()
    organisation = OrganisationFactory()
    url = reverse("admin:accounts_user_change", args=[analyst.pk])
    page = admin_client.get(url)
    response = admin_client.post(
        url, admin_form_data(page, roles=["partner"], organisation=organisation.pk)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(pk=analyst.pk)
    assert roles_of(user) == {"partner"}
    assert user.organisation == organisation
    assert not user.is_staff
