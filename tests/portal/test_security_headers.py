"""Security headers and cookies with debug off (portal/settings.py), on pages, API and admin.

The suite runs with production settings (portal.settings_test changes hashing, hosts and
the https redirect only), so these are the headers a deployment sends. Requests are
made as https, as they arrive from the TLS proxy (X-Forwarded-Proto: https).
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.services import api_token_create
from tests.factories import PASSWORD
from tests.utils import clean_env, run_python

pytestmark = pytest.mark.django_db
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


def _assert_security_headers(response) -> None:
    assert settings.DEBUG is False
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in directives["script-src"]
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/admin/login/", "/api/docs/", "/api/schema/", "/healthz"]
)
def test_security_headers_on_anonymous_pages(client, path):
    response = client.get(path, **HTTPS)

    assert response.status_code == 200
    _assert_security_headers(response)


def test_security_headers_on_the_api_with_a_token(client, analyst):
    _, plaintext = api_token_create(user=analyst, name="headers")

    response = client.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Bearer {plaintext}", **HTTPS)

    assert response.status_code == 200
    _assert_security_headers(response)


def test_security_headers_on_the_admin_and_the_dashboard(client, admin):
    admin.is_superuser = True
    client.force_login(admin)

    for path in ("/admin/", "/admin/accounts/user/", reverse("home")):
        response = client.get(path, **HTTPS)
        assert response.status_code == 200, path
        _assert_security_headers(response)


def test_security_headers_on_error_responses(client):
    _assert_security_headers(client.get("/no-such-page/", **HTTPS))
    _assert_security_headers(client.get("/api/v1/agreements/", **HTTPS))  # 401


@pytest.mark.urls("tests.portal.urls")
def test_csp_nonce_in_a_template_matches_the_header_and_is_fresh_each_time(client):
    nonces = []
    for _ in range(2):
        response = client.get("/test-inline-script/", **HTTPS)
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        script_src = next(
            p for p in response["Content-Security-Policy"].split("; ") if p.startswith("script-src")
        )
        assert script_src == f"script-src 'self' 'nonce-{nonce}'"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 16


def test_csp_header_has_no_nonce_when_no_template_asked_for_one(client):
    policy = client.get("/accounts/login/", **HTTPS)["Content-Security-Policy"]

    assert "script-src 'self';" in policy
    assert "nonce-" not in policy


def test_login_cookies_are_secure_httponly_and_samesite(client, analyst):
    client.get(reverse("login"), **HTTPS)
    response = client.post(
        reverse("login"),
        {
            "username": analyst.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
        **HTTPS,
    )

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https_except_the_health_check(settings, analyst):
    settings.SECURE_SSL_REDIRECT = True  # the production default (the suite turns it off)
    client = Client()  # built after the change: SecurityMiddleware reads settings once

    redirected = client.get("/accounts/login/?next=/agreements/")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/accounts/login/?next=/agreements/"
    assert client.get("/api/v1/agreements/").status_code == 301
    assert client.get("/healthz").status_code == 200  # probes call the container over http
    assert client.get("/accounts/login/", **HTTPS).status_code == 200  # the proxy said https


# -- production settings from the environment (a fresh process each) ------------------------

PRINT = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "CONTOURS_TRUSTED_PROXY_COUNT"]}))
"""


def _production(tmp_path, **env):
    return clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY="a-production-like-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="contours.example.org",
        **env,
    )


def _settings(tmp_path, **env) -> dict:
    result = run_python(["-c", PRINT], _production(tmp_path, **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_at_warning_level_with_debug_off(tmp_path):
    env = _production(tmp_path, EMAIL_HOST="smtp.example.org")

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_a_plain_http_setup_gives_up(tmp_path):
    env = _production(tmp_path, EMAIL_HOST="smtp.example.org", DJANGO_SECURE_COOKIES="0")

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    for check in ("security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_production_defaults_are_https_behind_a_proxy(tmp_path):
    assert _settings(tmp_path) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "CONTOURS_TRUSTED_PROXY_COUNT": 0,
    }


def test_plain_http_setup_turns_cookies_and_redirect_off_together(tmp_path):
    values = _settings(tmp_path, DJANGO_SECURE_COOKIES="0")

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False


def test_https_settings_are_read_from_the_environment(tmp_path):
    values = _settings(
        tmp_path,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="600",
        DJANGO_SECURE_HSTS_PRELOAD="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Scheme",
        CONTOURS_TRUSTED_PROXY_COUNT="1",
    )

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "https"]
    assert values["CONTOURS_TRUSTED_PROXY_COUNT"] == 1
    assert _settings(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="")["SECURE_PROXY_SSL_HEADER"] is None
