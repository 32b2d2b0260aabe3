"""Statements kept for staff: compiled once, run with each request's values.

A page's statement that depends on its reader only through what the reader may see can be
compiled once for every reader who sees the same (portal/statements.py). Staff read every
live record (selectors._record_read), so for them it depends only on what the page is and
the database it reads (a router may send reads elsewhere); anyone else's depends on their
organisation and roles too, and takes the caller's ordinary path. This holds that rule
once for the record page and its neighbourhood chart.
"""

from __future__ import annotations

from django.db import router

from cooperation.permissions import sees_internal
from portal import statements


def kept_for_staff(user, key: tuple, model, build, placeholders) -> statements.Frozen | None:
    """The statement `build()` makes for reading `model`, kept under `key` and the database
    `model` is read from, when `user` is staff; None when they are not, or when it can't be
    kept (statements.frozen): the caller then takes its ordinary path."""
    if not sees_internal(user):
        return None
    full_key = (*key, model, router.db_for_read(model), "internal")
    return statements.frozen(full_key, build, placeholders)
