"""Statements kept for staff: compiled once, run with each request's values.

A page's statement that depends on its reader only through what the reader may see can be
compiled once for every reader who sees the same (portal/statements.py). Staff read every
live record (selectors._record_read), so for them it depends only on what the page is and
the database it reads (a router may send reads elsewhere); anyone else's depends on their
organisation and roles too, and takes the caller's ordinary path. This holds that rule
once for the record page, its neighbourhood chart and its note thread.
"""

from __future__ import annotations

import copy

from django.db import router

from accounts.roles import remember_groups
from cooperation.permissions import sees_internal
from portal import statements

# Where the reader's id goes in a kept statement: no user has this id (ids are positive).
VIEWER = statements.PK - 1_000


def kept_for_staff(user, key: tuple, model, build, placeholders) -> statements.Frozen | None:
    """The statement `build()` makes for reading `model`, kept under `key` and the database
    `model` is read from, when `user` is staff; None when they are not, or when it can't be
    kept (statements.frozen): the caller then takes its ordinary path."""
    if not sees_internal(user):
        return None
    full_key = (*key, model, router.db_for_read(model), "internal")
    return statements.frozen(full_key, build, placeholders)


def stand_in_viewer(user):
    """`user` as a kept statement is built for: the same roles (the statement's rules
    depend on them), and an id no one has (VIEWER) where the reader's goes."""
    viewer = copy.copy(user)
    viewer.pk = VIEWER
    # A cache of its own (a copy shares the user's), so the user's groups stay untouched.
    prefetched = getattr(user, "_prefetched_objects_cache", {})
    viewer._prefetched_objects_cache = {k: v for k, v in prefetched.items() if k != "groups"}
    remember_groups(viewer, user.groups.all())  # the prefetched ones, when they are
    return viewer
