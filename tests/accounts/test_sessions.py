"""Sessions end on the server: at logout, and everywhere else when the password changes.

Django keeps a copy of the password hash's HMAC in each session and refuses (flushes)
any session whose copy no longer matches; update_session_auth_hash renews it for the
session that made the change. A replayed cookie is tried here, not just a new request.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.admin import PASSWORD_SET_BY_ADMIN
from tests.factories import PASSWORD, AdminFactory
from tests.utils import history_rows

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "an-entirely-new-passphrase-77"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _replay(session_key: str) -> Client:
    """A fresh client that presents an old session cookie, as a thief would."""
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return thief


def _is_logged_out(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logout_deletes_the_session_row_and_a_replayed_cookie_is_refused(analyst):
    client = _signed_in(analyst)
    key = _session_key(client)
    assert Session.objects.filter(session_key=key).exists()

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert _is_logged_out(_replay(key))
    assert _is_logged_out(client)


def test_password_change_keeps_this_session_and_ends_the_others(client, analyst):
    elsewhere_key = _session_key(_signed_in(analyst))
    client.force_login(analyst)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert _is_logged_out(_replay(elsewhere_key))
    # Refusing it flushed the stale session from the database too.
    assert not Session.objects.filter(session_key=elsewhere_key).exists()


def test_password_reset_ends_every_session_of_the_user(client, analyst, mailoutbox):
    other_keys = [_session_key(_signed_in(analyst)) for _ in range(2)]

    client.post(reverse("password_reset"), {"email": analyst.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    analyst.refresh_from_db()
    assert analyst.check_password(NEW_PASSWORD)
    for key in other_keys:
        assert _is_logged_out(_replay(key))


def test_password_set_by_an_admin_ends_the_users_sessions_and_is_on_record(analyst):
    admin = AdminFactory(is_superuser=True)
    admin_client = _signed_in(admin)
    victim_key = _session_key(_signed_in(analyst))

    response = admin_client.post(
        f"/admin/accounts/user/{analyst.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    analyst.refresh_from_db()
    assert analyst.check_password(NEW_PASSWORD)
    assert _is_logged_out(_replay(victim_key))
    latest = history_rows(analyst)[0]
    assert (latest.history_change_reason, latest.history_user_id) == (
        PASSWORD_SET_BY_ADMIN,
        admin.pk,
    )
    assert admin_client.get(reverse("admin:index")).status_code == 200  # the admin stays in


def test_password_disabled_by_an_admin_ends_the_users_sessions(analyst):
    admin_client = _signed_in(AdminFactory(is_superuser=True))
    victim_key = _session_key(_signed_in(analyst))

    response = admin_client.post(
        f"/admin/accounts/user/{analyst.pk}/password/",
        {"usable_password": "false", "unset-password": "1", "password1": "", "password2": ""},
    )

    assert response.status_code == 302
    analyst.refresh_from_db()
    assert not analyst.has_usable_password()
    assert _is_logged_out(_replay(victim_key))
    assert (
        len([r for r in history_rows(analyst) if r.history_change_reason == PASSWORD_SET_BY_ADMIN])
        == 1
    )


def test_password_set_by_an_admin_refuses_a_weak_password_and_changes_nothing(analyst):
    admin_client = _signed_in(AdminFactory(is_superuser=True))
    rows_before = len(history_rows(analyst))

    response = admin_client.post(
        f"/admin/accounts/user/{analyst.pk}/password/",
        {"usable_password": "true", "password1": "123", "password2": "123"},
    )

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)
    assert len(history_rows(analyst)) == rows_before
