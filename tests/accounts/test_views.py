"""Login, logout, password change and reset, lockout and navigation (accounts/views.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import PASSWORD_CHANGED, PASSWORD_RESET
from accounts.services import user_set_password
from tests.factories import PASSWORD
from tests.utils import history_rows

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "an-entirely-new-passphrase-77"


def _login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


# -- login and logout -----------------------------------------------------------------------


def test_login_rotates_the_session_key(client, analyst):
    client.get(reverse("login"))
    session = client.session
    session["planted"] = "before login"
    session.save()
    before = session.session_key

    response = _login(client, analyst.email)

    assert response.status_code == 302
    after = client.session.session_key
    assert after != before
    assert client.session["_auth_user_id"] == str(analyst.pk)
    assert not Session.objects.filter(session_key=before).exists()


def test_login_page_keeps_next_and_offers_a_password_reset(client):
    response = client.get(reverse("login"), {"next": "/agreements/"})

    html = response.content.decode()
    assert 'name="next" value="/agreements/"' in html
    assert f'href="{reverse("password_reset")}"' in html


def test_login_follows_next(client, analyst):
    response = client.post(
        reverse("login"),
        {"username": analyst.email, "password": PASSWORD, "next": "/agreements/"},
    )

    assert response["Location"] == "/agreements/"


def test_logout_needs_a_post(client, analyst):
    client.force_login(analyst)

    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session


# -- lockout (django-axes) ------------------------------------------------------------------


def test_lockout_after_five_failures_refuses_even_the_right_password(client, analyst):
    for _ in range(4):
        assert _login(client, analyst.email, "wrong").status_code == 200

    locked = _login(client, analyst.email, "wrong")
    again = _login(client, analyst.email, PASSWORD)

    for response in (locked, again):
        assert response.status_code == 429
        assert "registration/locked_out.html" in [t.name for t in response.templates]
    html = again.content.decode()
    assert "After 5 failed attempts" in html
    assert analyst.email in html
    assert "Wait 15 minutes after your last attempt" in html
    assert "_auth_user_id" not in client.session


def test_lockout_counts_an_address_whatever_its_case(client, analyst):
    for variant in ("A", "B", "C", "D", "E"):
        _login(client, analyst.email.upper() if variant in "ACE" else analyst.email, "wrong")

    assert _login(client, analyst.email, PASSWORD).status_code == 429


def test_lockout_of_one_account_leaves_another_alone(client, analyst, other_analyst):
    for _ in range(5):
        _login(client, analyst.email, "wrong")

    response = _login(client, other_analyst.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_analyst.pk)


# -- password change ------------------------------------------------------------------------


def test_password_change_goes_through_the_service_and_keeps_the_session(client, analyst):
    client.force_login(analyst)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("password_change_done")
    analyst.refresh_from_db()
    assert analyst.check_password(NEW_PASSWORD)
    latest = history_rows(analyst)[0]
    assert (latest.history_type, latest.history_change_reason) == ("~", PASSWORD_CHANGED)
    assert latest.history_user_id == analyst.pk
    assert not hasattr(latest, "password")
    assert client.get("/").status_code == 200  # update_session_auth_hash kept us in


def test_password_change_ends_other_sessions(client, analyst, django_user_model):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(analyst)
    client.force_login(analyst)

    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert elsewhere.get("/").status_code == 302


def test_password_change_with_a_wrong_old_password_changes_nothing(client, analyst):
    client.force_login(analyst)
    rows = len(history_rows(analyst))

    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)
    assert len(history_rows(analyst)) == rows
    html = response.content.decode()
    assert '<label for="id_new_password1">' in html


def test_password_change_page_needs_a_login(client):
    response = client.get(reverse("password_change"))

    assert response["Location"].startswith(reverse("login"))


def test_user_set_password_refuses_a_weak_password(analyst):
    with pytest.raises(ValidationError):
        user_set_password(user=analyst, password="123", actor=analyst)

    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)


# -- password reset -------------------------------------------------------------------------


def test_password_reset_by_email_link(client, analyst, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": analyst.email.upper()})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [analyst.email]
    assert message.subject == "Reset your Contours password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("password_reset_complete")
    analyst.refresh_from_db()
    assert analyst.check_password(NEW_PASSWORD)
    assert history_rows(analyst)[0].history_change_reason == PASSWORD_RESET
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_password_reset_with_a_bad_link_explains(client):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    )

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


# -- navigation by role ---------------------------------------------------------------------


def test_navigation_shows_an_analyst_the_workspace_but_not_the_trash(client, analyst):
    client.force_login(analyst)

    html = client.get(reverse("cooperation:agreement_list")).content.decode()

    assert f'href="{reverse("cooperation:recommendation_list")}"' in html
    assert f'href="{reverse("cooperation:trash")}"' not in html
    assert f'href="{reverse("password_change")}"' in html


def test_navigation_shows_a_curator_the_trash(client, curator):
    client.force_login(curator)

    html = client.get(reverse("cooperation:agreement_list")).content.decode()

    assert f'href="{reverse("cooperation:trash")}">Trash</a>' in html


def test_navigation_shows_a_partner_no_workspace_links(client, partner):
    client.force_login(partner)

    html = client.get("/", follow=True).content.decode()

    assert f'href="{reverse("cooperation:agreement_list")}"' not in html
    assert f'href="{reverse("api_access")}"' in html
    assert "Log out" in html
