"""The "contours.security" log (accounts/security.py): who, what, when, never a secret."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts.security import client_ip
from accounts.services import api_token_create
from tests.factories import PASSWORD, AgreementFactory

pytestmark = pytest.mark.django_db
LOGGER = "contours.security"


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def events(name=None):
        records = [r for r in caplog.records if r.name == LOGGER]
        return [r for r in records if name is None or r.event == name]

    events.text = lambda: "\n".join(r.getMessage() for r in caplog.records)
    return events


def _login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def _only(records):
    assert len(records) == 1, [r.getMessage() for r in records]
    return records[0]


def test_security_log_records_a_login_with_who_and_from_where(client, analyst, security_log):
    _login(client, analyst.email)

    record = _only(security_log("login"))
    assert record.levelno == logging.INFO
    assert record.user == f"{analyst.pk}:{analyst.email}"
    assert record.ip == "127.0.0.1"
    assert record.created  # the when: the formatter prints it (settings.LOGGING)
    assert f"event=login user={analyst.pk}:{analyst.email} ip=127.0.0.1" in record.getMessage()
    assert PASSWORD not in security_log.text()


def test_security_log_records_a_failed_login_without_the_password(client, analyst, security_log):
    _login(client, analyst.email.upper(), "Wr0ng-secret-typed")

    record = _only(security_log("login_failed"))
    assert record.levelno == logging.WARNING
    assert record.attempted == analyst.email
    assert record.user == "anonymous"
    assert "Wr0ng-secret-typed" not in security_log.text()
    assert security_log("login") == []


def test_security_log_records_a_logout(client, analyst, security_log):
    client.force_login(analyst)

    client.post(reverse("logout"))

    assert _only(security_log("logout")).user == f"{analyst.pk}:{analyst.email}"


def test_security_log_records_a_lockout_and_the_refused_attempts(client, analyst, security_log):
    for _ in range(5):
        _login(client, analyst.email, "wrong")
    _login(client, analyst.email)  # the right password, refused while locked out

    # django-axes signals a lockout when it starts and at each attempt while it lasts.
    lockouts = security_log("lockout")
    assert len(lockouts) == 2
    assert {(r.attempted, r.ip) for r in lockouts} == {(analyst.email, "127.0.0.1")}
    failures = security_log("login_failed")
    assert len(failures) == 6
    assert getattr(failures[-1], "locked_out", None) is True
    refused = [r for r in security_log("refused") if r.status == 429]
    assert len(refused) == 2  # the fifth failure and the attempt after it answer 429
    assert security_log("login") == []


def test_security_log_records_token_use_by_id_never_the_token(client, analyst, security_log):
    token, plaintext = api_token_create(user=analyst, name="script")

    response = client.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    assert response.status_code == 200
    record = _only(security_log("token_used"))
    assert record.token == token.pk
    assert record.user == f"{analyst.pk}:{analyst.email}"
    assert record.path == "/api/v1/agreements/"
    assert plaintext not in security_log.text()
    # The secret after `ctr_<prefix>_` (it may hold "_" itself: split twice, not at each).
    assert plaintext.split("_", 2)[-1] not in security_log.text()


def test_security_log_records_a_refused_token_once_with_the_reason(client, security_log):
    response = client.get(
        "/api/v1/agreements/", HTTP_AUTHORIZATION="Bearer ctr_abcdefgh_not-a-real-secret"
    )

    assert response.status_code == 401
    record = _only(security_log("token_refused"))
    assert record.reason == "Invalid token."
    assert "not-a-real-secret" not in security_log.text()
    assert security_log("refused") == []  # not logged a second time by the middleware


def test_security_log_records_an_anonymous_401_in_the_api(client, security_log):
    assert client.get("/api/v1/agreements/").status_code == 401

    record = _only(security_log("refused"))
    assert (record.status, record.user, record.method) == (401, "anonymous", "GET")


def test_security_log_records_a_403_for_a_read_only_token(client, analyst, security_log):
    token, plaintext = api_token_create(user=analyst, name="reader", can_write=False)

    response = client.post(
        "/api/v1/agreements/",
        {"title": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )

    assert response.status_code == 403
    record = _only(security_log("refused"))
    assert (record.status, record.token, record.user) == (
        403,
        token.pk,
        f"{analyst.pk}:{analyst.email}",
    )


def test_security_log_records_a_404_for_a_record_a_partner_may_not_see(
    client, partner, analyst, security_log
):
    draft = AgreementFactory(user=analyst)
    _, plaintext = api_token_create(user=partner, name="partner")

    response = client.get(
        f"/api/v1/agreements/{draft.pk}/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"
    )

    assert response.status_code == 404
    record = _only(security_log("refused"))
    assert (record.status, record.user) == (404, f"{partner.pk}:{partner.email}")


def test_security_log_records_a_403_page_for_a_person(client, partner, security_log):
    client.force_login(partner)

    assert client.get("/agreements/").status_code == 403

    record = _only(security_log("refused"))
    assert (record.status, record.path, record.user) == (
        403,
        "/agreements/",
        f"{partner.pk}:{partner.email}",
    )


def test_security_log_leaves_ordinary_404_pages_alone(client, security_log):
    assert client.get("/no-such-page/").status_code == 404

    assert security_log("refused") == []


def test_security_log_records_a_csrf_failure_with_its_reason(analyst, security_log):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(reverse("login"), {"username": analyst.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "errors/403_csrf.html" in [t.name for t in response.templates]
    record = _only(security_log("csrf_failure"))
    assert "CSRF cookie not set" in record.reason
    assert security_log("refused") == []
    assert security_log("login") == []
    assert PASSWORD not in security_log.text()


def test_security_log_keeps_each_event_on_one_line(client, security_log):
    client.get("/api/v1/agree%0Aments/")

    record = _only(security_log("refused"))
    assert "\n" not in record.getMessage()
    assert "path=/api/v1/agree\\nments/" in record.getMessage()


# -- the client's address -------------------------------------------------------------------


class _Request:
    def __init__(self, **meta):
        self.META = meta


def test_client_ip_is_remote_addr_unless_proxies_are_trusted(settings):
    request = _Request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    settings.CONTOURS_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.5"  # a client-sent header is not believed

    settings.CONTOURS_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the address our one proxy saw

    settings.CONTOURS_TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: no guessing
    assert client_ip(request) == "10.0.0.5"
