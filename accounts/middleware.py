"""Sessions end after a spell of inactivity, without writing the session on every request.

A session expires SESSION_COOKIE_AGE seconds after it was last saved. Saving it on
every request (SESSION_SAVE_EVERY_REQUEST) would give an exact idle timeout at the
cost of one database write per page view, API call and static file. Instead the
last-seen time is stored at most once every SESSION_IDLE_REFRESH_SECONDS, which
saves the session and pushes its expiry forward: a person is logged out after
between (age - refresh) and age seconds of doing nothing.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

LAST_SEEN_KEY = "_contours_last_seen"


def _now() -> int:
    return int(time.time())


def refresh_interval() -> int:
    return int(getattr(settings, "SESSION_IDLE_REFRESH_SECONDS", 300))


class IdleTimeoutMiddleware:
    """Place after SessionMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session the request already loaded (no extra query) and that is logged in.
        if session is None or not session.accessed or SESSION_KEY not in session:
            return response
        now = _now()
        if now - int(session.get(LAST_SEEN_KEY, 0)) >= refresh_interval():
            session[LAST_SEEN_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response


@receiver(user_logged_in, dispatch_uid="accounts.middleware.mark_login")
def mark_login(sender, request, user, **kwargs):
    # Login saves the session anyway; stamping it now spares the next request a write.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = _now()
