"""Who may call what. Reads: any user with a role (visibility narrows what they see).

Writes: internal users (the services then check each action's permission);
partners only through a write-enabled token, and only to post a note — a
partner's password session reads, as a read-only token does. A read-only
token never writes, whoever holds it.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken
from cooperation.permissions import can, portal


def request_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class ApiAccess(BasePermission):
    message = "You do not have permission to do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not portal(user, "read_published"):
            self.message = "Your account has no role; ask an administrator for one."
            return False
        if request.method in SAFE_METHODS:
            return True
        token = request_token(request)
        if token is not None and not token.can_write:
            self.message = "This token is read-only."
            return False
        if portal(user, "api_write", token=token):
            return True
        if getattr(view, "partner_may_create", False) and view.action == "create":
            # A partner's logged-in session is worth no more than a read-only token:
            # the one write a partner makes needs a write-enabled token (the table says so).
            if not can(user, "create", None, token=token, kind="annotation"):
                self.message = "Partners post notes with a write-enabled API token, not a session."
                return False
            return True
        self.message = "Partners may only read, and post notes with a write-enabled token."
        return False
