"""Rate limits per token (or per logged-in user) and per address for anonymous clients.

The counting and the RateLimit header fields are portal/ratelimit.py's: fixed windows in
the default cache (one Redis round trip per check; a Bearer request's is made with the
token-failure check, before the lookup). Rates come from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read on every request so a test can override
them. An anonymous client is known by its address as accounts.security.client_ip reads
it: X-Forwarded-For counts only behind CONTOURS_TRUSTED_PROXY_COUNT proxies, so a client
cannot buy a fresh bucket by inventing one.
"""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from accounts.security import client_ip
from cooperation.api.permissions import request_token
from portal import ratelimit


class _WindowThrottle(BaseThrottle):
    scope = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        quota = ratelimit.count(self.scope, ident) if ident is not None else None
        ratelimit.note(request, quota)
        self._wait = quota.reset if quota is not None else None
        return quota is None or not quota.exceeded

    def wait(self):
        return self._wait


class ClientRateThrottle(_WindowThrottle):
    """One bucket per token; session users have one bucket per user.

    A Bearer request was counted already, with the address's failed-token check, in the
    same Redis round trip before its token was looked up (ratelimit.check_bearer): here it
    is only noted, now that the token proved valid."""

    scope = ratelimit.CLIENT

    def allow_request(self, request, view) -> bool:
        if request.user and request.user.is_authenticated and request_token(request) is not None:
            counted, quota = ratelimit.bearer_quota(request)
            if counted:
                ratelimit.note(request, quota)
                self._wait = quota.reset if quota is not None else None
                return quota is None or not quota.exceeded
        return super().allow_request(request, view)

    def ident(self, request):
        if not request.user or not request.user.is_authenticated:
            return None
        token = request_token(request)
        # A token not sent as a Bearer header (a test's force_authenticate) has a bucket
        # by its id.
        return f"token-{token.pk}" if token is not None else f"user-{request.user.pk}"


class AnonymousRateThrottle(_WindowThrottle):
    scope = "anon"

    def ident(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request) or "unknown"
