"""The security log: who did what, from where, on the "contours.security" logger.

Every line is `event=<name>` followed by `key=value` pairs (the time comes from the
formatter), and each record also carries them as attributes (`record.event`,
`record.user`, …) for a structured handler. Logged:

- login, logout and failed login (Django's auth signals), lockouts (django-axes);
- API token use and refused tokens (accounts/authentication.py);
- every refused request: 401, 403 and 429 anywhere, 404 under /api/ (where a record the
  caller may not see answers 404), by RefusedAccessLogMiddleware;
- CSRF failures, with Django's reason (portal.views.csrf_failure).

Passwords and tokens are never logged: failed logins record the address typed, tokens
their database id only.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("contours.security")

# Set on a request whose refusal was already logged with its reason, so the middleware
# does not log it a second time.
LOGGED_FLAG = "_contours_security_logged"


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies.

    Each of CONTOURS_TRUSTED_PROXY_COUNT proxies appends the address it received from,
    so the client is that many entries from the end; entries before it were sent by the
    client and are not believed. Used by django-axes (AXES_CLIENT_IP_CALLABLE) and here.
    """
    if request is None:
        return None
    meta = getattr(request, "META", {})
    hops = int(getattr(settings, "CONTOURS_TRUSTED_PROXY_COUNT", 0))
    if hops > 0:
        forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return meta.get("REMOTE_ADDR")


def _who(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return f"{user.pk}:{user.email}"


def _value(value) -> str:
    # One line per event whatever a client sends (paths, typed addresses).
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(" ", "%20")


def log_event(event: str, request=None, *, user=None, level=logging.INFO, **details) -> None:
    """Log one security event; `user` defaults to the request's user."""
    if not logger.isEnabledFor(level):
        return  # every API request logs one; its text is not worth building for nobody
    # Django's request under DRF's: asking DRF's for .user while authenticating would recurse.
    request = getattr(request, "_request", request)
    if user is None and request is not None:
        user = getattr(request, "user", None)
    fields = {"user": _who(user), "ip": client_ip(request)}
    if request is not None:
        fields["method"] = request.method
        fields["path"] = request.path
    fields.update(details)
    text = " ".join(
        f"{key}={_value(value)}" for key, value in fields.items() if value not in (None, "")
    )
    logger.log(level, "event=%s %s", event, text, extra={"event": event, **fields})


def mark_logged(request) -> None:
    # DRF passes its own Request around; the flag belongs on Django's request underneath.
    setattr(getattr(request, "_request", request), LOGGED_FLAG, True)


@receiver(user_logged_in, dispatch_uid="accounts.security.logged_in")
def _logged_in(sender, request, user, **kwargs):
    log_event("login", request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.security.logged_out")
def _logged_out(sender, request, user, **kwargs):
    log_event("logout", request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the address is kept.
    typed = (credentials or {}).get("username")
    locked = bool(getattr(request, "axes_locked_out", False))
    log_event(
        "login_failed",
        request,
        level=logging.WARNING,
        attempted=typed.strip().lower() if isinstance(typed, str) else None,
        locked_out=locked or None,
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    log_event("lockout", request, level=logging.WARNING, attempted=username)


def connect_axes_signal() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="accounts.security.locked_out")


class RefusedAccessLogMiddleware:
    """Logs every refused request: 401, 403, 429, and 404 under /api/."""

    REFUSED = {401, 403, 429}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        refused = status in self.REFUSED or (status == 404 and request.path.startswith("/api/"))
        if refused and not getattr(request, LOGGED_FLAG, False):
            token = getattr(request, "auth", None)
            log_event(
                "refused",
                request,
                level=logging.WARNING,
                status=status,
                token=getattr(token, "pk", None),
            )
        return response
