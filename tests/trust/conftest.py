"""Fixtures of the trust tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def plain_http_cookies(settings):
    """Let a `requests` session keep its cookies over the live server's plain http.

    With DEBUG off the session and CSRF cookies are Secure, and unlike a browser
    (which trusts http://localhost) `requests` never sends a Secure cookie over http.
    """
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
