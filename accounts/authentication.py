"""`Authorization: Bearer <token>` for the REST API.

A missing header leaves the request anonymous (session authentication may still
apply); a Bearer header with an unknown, malformed, expired or revoked token is
refused with 401, never silently treated as anonymous. Each refusal counts against the
client address's `token_failure` rate (portal/ratelimit.py); over it, any Bearer token
from that address gets 429 with Retry-After before it is looked up, so guessing tokens
costs neither the database nor a hash comparison.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.security import log_event, mark_logged
from accounts.services import api_token_find, api_token_touch, split_token
from portal import ratelimit

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates with an ApiToken; `request.auth` is the token (its write flag matters)."""

    def authenticate(self, request):
        try:
            user, token = self._authenticate(request)
        except exceptions.AuthenticationFailed as refusal:
            # The reason, never the token itself; the 401 is then not logged twice.
            log_event("token_refused", request, level=logging.WARNING, reason=refusal.detail)
            mark_logged(request)
            ratelimit.count_token_failure(request)
            raise
        if token is not None:
            log_event("token_used", request, user=user, token=token.pk)
        return (user, token) if user is not None else None

    def _authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None, None
        plaintext = _ascii(header[1]) if len(header) == 2 else None
        well_formed = plaintext is not None and split_token(plaintext) is not None
        # One round trip: 429 if this address failed too many tokens (before any lookup),
        # else a well-formed token's request counted against its own rate
        # (portal/ratelimit.py); a malformed one can only fail, so it gets no bucket.
        ratelimit.check_bearer(request, plaintext if well_formed else None)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: use 'Bearer <token>'."
            )
        if not well_formed:
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = api_token_find(plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is inactive.")
        api_token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to unauthenticated requests, naming the scheme.
        return f'{KEYWORD} realm="api"'


def _ascii(value: bytes) -> str | None:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        return None
