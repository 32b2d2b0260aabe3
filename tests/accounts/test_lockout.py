"""Lockout after 5 failed logins per account *and* address (django-axes, settings.AXES_*).

The trade-off (docs/security.md, "Lockout, and its trade-off"): counting per account and
address means an attacker cannot lock a colleague out from elsewhere, but can try 5
passwords per address they control every cool-off period. Behind a proxy the address is
the client's, taken from X-Forwarded-For as far as CONTOURS_TRUSTED_PROXY_COUNT proxies
vouch for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, email, password=PASSWORD, **meta):
    return client.post(reverse("login"), {"username": email, "password": password}, **meta)


def _fail_five_times(client, email, **meta):
    for _ in range(5):
        _login(client, email, "wrong", **meta)


def test_lockout_is_per_address_so_the_owner_elsewhere_still_logs_in(client, analyst):
    _fail_five_times(client, analyst.email, REMOTE_ADDR="198.51.100.7")

    assert _login(client, analyst.email, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert _login(Client(), analyst.email, REMOTE_ADDR="192.0.2.20").status_code == 302


def test_lockout_four_failures_do_not_lock(client, analyst):
    for _ in range(4):
        _login(client, analyst.email, "wrong")

    assert _login(client, analyst.email).status_code == 302


def test_lockout_behind_a_proxy_counts_the_clients_address(client, analyst, settings):
    settings.CONTOURS_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy

    _fail_five_times(client, analyst.email, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)

    locked = _login(client, analyst.email, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    other = _login(Client(), analyst.email, HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy)
    assert (locked.status_code, other.status_code) == (429, 302)
    # A forged first entry does not dodge the count: the proxy's own entry is the one used.
    forged = _login(
        client, analyst.email, "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1", **proxy
    )
    assert forged.status_code == 429


def test_lockout_ends_after_the_cool_off(client, analyst, settings):
    _fail_five_times(client, analyst.email)
    assert _login(client, analyst.email).status_code == 429

    # As if the cool-off (15 minutes) had passed since the last attempt.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert _login(client, analyst.email).status_code == 302
