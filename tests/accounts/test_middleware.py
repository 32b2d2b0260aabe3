"""Inactivity timeout without a session write per request (accounts/middleware.py)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import middleware
from accounts.middleware import LAST_SEEN_KEY

pytestmark = pytest.mark.django_db


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _set_expiry(client, minutes: int) -> datetime.datetime:
    expiry = timezone.now() + datetime.timedelta(minutes=minutes)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=expiry)
    return expiry


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def test_settings_give_an_idle_timeout_and_a_refresh_interval():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 3600
    assert 0 < settings.SESSION_IDLE_REFRESH_SECONDS <= settings.SESSION_COOKIE_AGE // 10
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)


def test_login_stamps_the_session_so_the_next_request_writes_nothing(client, analyst):
    client.force_login(analyst)
    assert LAST_SEEN_KEY in client.session

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    assert _session_writes(queries) == []


def test_requests_within_the_interval_leave_the_expiry_alone(client, analyst):
    client.force_login(analyst)
    expiry = _set_expiry(client, 10)

    client.get("/")

    assert _session_row(client).expire_date == expiry


def test_a_request_after_the_interval_pushes_the_expiry_forward(client, analyst, monkeypatch):
    client.force_login(analyst)
    _set_expiry(client, 10)
    later = middleware._now() + settings.SESSION_IDLE_REFRESH_SECONDS + 1
    monkeypatch.setattr(middleware, "_now", lambda: later)

    client.get("/")

    row = _session_row(client)
    assert row.expire_date > timezone.now() + datetime.timedelta(minutes=59)
    assert row.get_decoded()[LAST_SEEN_KEY] == later


def test_an_idle_session_has_expired_and_asks_for_a_login(client, analyst):
    client.force_login(analyst)
    _set_expiry(client, -1)

    response = client.get("/")

    assert response.status_code == 302
    assert (
        response["Location"].startswith(settings.LOGIN_URL)
        or "/accounts/login/" in (response["Location"])
    )


def test_anonymous_requests_create_no_session(client):
    client.get("/accounts/login/")

    assert Session.objects.count() == 0
