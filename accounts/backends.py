"""The session's user and their roles in one statement, compiled once.

Django's ModelBackend loads a signed-in user by primary key; every page then asked for
the user's groups (their roles) in a second statement. `get_user` here reads the groups
in the same statement, as a subquery (the one API token lookup uses), and fills
`user.groups`' prefetch cache from it, so no role question on the page queries again.

Every web request asks this, so the statement is compiled once per database
(portal/statements.py) with the user's id as its value, as the token lookup is: building
and compiling it cost about 1.5 ms a request, five times running it.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import router

from accounts.models import User
from accounts.services import _remember_groups, _role_groups_of
from portal import statements


def _user_with_roles(user_id):
    return User._default_manager.annotate(role_groups=_role_groups_of("pk")).filter(pk=user_id)[:1]


def _fits(user_id) -> bool:
    """A whole number a bigint column can hold (what the kept statement may be given)."""
    return type(user_id) is int and -(2**63) <= user_id < 2**63


class RoleModelBackend(ModelBackend):
    """ModelBackend whose `get_user` also loads the user's groups, in one statement."""

    def get_user(self, user_id):
        statement = statements.frozen(
            ("session_user", router.db_for_read(User)),
            lambda: _user_with_roles(statements.PK),
            {"user": statements.PK},
        )
        if statement is None or not _fits(user_id):
            # Not kept (a database that adapts the value), or a value the statement's
            # column can't hold: Django's lookup answers "no one" for it.
            found = list(_user_with_roles(user_id))
        else:
            found = statement.rows(user=user_id)
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        _remember_groups(user, user.role_groups)
        return user
