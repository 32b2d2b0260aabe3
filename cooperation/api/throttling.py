"""Rate limits per token (or per logged-in user) and per address for anonymous clients.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read on every request
so a test can override them (DRF's throttles read them once, at import).
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from cooperation.api.permissions import request_token


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ClientRateThrottle(_LiveRate, SimpleRateThrottle):
    """One bucket per token; session users have one bucket per user."""

    scope = "client"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        token = request_token(request)
        ident = f"token-{token.pk}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_LiveRate, AnonRateThrottle):
    scope = "anon"
