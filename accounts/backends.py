"""The session's user and their roles in one statement.

Django's ModelBackend loads a signed-in user by primary key; every page then asked for
the user's groups (their roles) in a second statement. `get_user` here reads the groups
in the same statement, as a subquery (the one API token lookup uses), and fills
`user.groups`' prefetch cache from it, so no role question on the page queries again.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from accounts.services import _remember_groups, _role_groups_of


class RoleModelBackend(ModelBackend):
    """ModelBackend whose `get_user` also loads the user's groups, in one statement."""

    def get_user(self, user_id):
        user = (
            User._default_manager.annotate(role_groups=_role_groups_of("pk"))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        _remember_groups(user, user.role_groups)
        return user
