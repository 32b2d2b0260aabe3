"""Saved views: create, rename, update the filters, share or unshare, delete.

Each function owns its transaction, asks the permission table (("savedview", ...)) and
writes one history row. A view's query string is normalised here, once:

- the page's own keys (`page`, `per_page`, a `cursor`) are dropped: a view is filters
  and ordering, not a position in the list;
- empty values are dropped (a submitted filter form sends every field, most empty);
- any other key the list's FilterSet does not know is refused with its name, rather
  than kept silently or dropped silently: the person sees what will not be saved;
- the result is sorted by key (values keep their order), so the same filters are the
  same string, and it may be at most QUERY_MAX characters.

Only the parameters' names are checked, not their values: the list itself shows a bad
value as a form error, and a value naming a record the visitor may not read matches
nothing for them (the FilterSets' choices are what the visitor may read).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from cooperation.changes import serialise_writes
from cooperation.choices import SavedViewList
from cooperation.filtersets import FILTERSETS
from cooperation.history import CHANGED, CREATED, DELETED, history_paused, write_history
from cooperation.models import SavedView
from cooperation.models.saved_views import NAME_MAX, QUERY_MAX
from cooperation.permissions import require
from cooperation.services.common import full_clean

# Keys of the list page, not of its filters: dropped from a saved query.
PAGE_KEYS = frozenset({"page", "per_page", "cursor"})
# A raw query this long is refused before it is parsed.
RAW_QUERY_MAX = 4 * QUERY_MAX
KIND = "savedview"
TOO_LONG = f"These filters are too long to save (over {QUERY_MAX:,} characters)."


def _filterset(list_key: str):
    for model, filterset in FILTERSETS.items():
        if model._meta.model_name == list_key:
            return filterset
    raise ValidationError({"list_key": "There is no such list."})


def normalise_query(list_key: str, query: str) -> str:
    """The list's query string as a saved view keeps it (see the module's docstring)."""
    if list_key not in SavedViewList.values:
        raise ValidationError({"list_key": "There is no such list."})
    query = (query or "").lstrip("?")
    if len(query) > RAW_QUERY_MAX:
        raise ValidationError({"query": TOO_LONG})
    known = _filterset(list_key)._parameters()
    params = QueryDict(query)
    unknown = sorted(key for key in params if key not in known and key not in PAGE_KEYS)
    if unknown:
        raise ValidationError(
            {
                "query": "This list has no filter called "
                + ", ".join(f"“{key[:40]}”" for key in unknown[:5])
                + (" (and more)" if len(unknown) > 5 else "")
                + "; remove it from the address and save again."
            }
        )
    # A yes/no filter left at "Any" (`unknown`, as the list's form sends it) filters nothing.
    either = {
        name
        for name, field in _filterset(list_key).base_filters.items()
        if isinstance(field, django_filters.BooleanFilter)
    }
    pairs = [
        (key, value)
        for key in sorted(params)
        if key not in PAGE_KEYS
        for value in params.getlist(key)
        if value.strip() and not (key in either and value.strip().lower() == "unknown")
    ]
    clean = QueryDict(mutable=True)
    for key, value in pairs:
        clean.appendlist(key, value)
    encoded = clean.urlencode()
    if len(encoded) > QUERY_MAX:
        raise ValidationError({"query": TOO_LONG})
    return encoded


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"A view's name may be at most {NAME_MAX} characters."})
    return name


def _save(view: SavedView, *, user, kind: str, reason: str) -> SavedView:
    serialise_writes()
    view.updated_at = timezone.now()
    full_clean(view)
    try:
        with transaction.atomic(), history_paused(view):
            view.save()
    except IntegrityError:
        # Two saves of one name at once: the unique index decided; say so as full_clean would.
        raise ValidationError(
            {"name": "You already have a view of this list by that name."}
        ) from None
    write_history(view, kind=kind, user=user, reason=reason)
    return view


def _locked(view: SavedView, user) -> SavedView:
    """The view re-read under a row lock, if the user may manage it and it is not deleted."""
    require(user, "manage", view, kind=KIND, message="Only its owner may change a saved view.")
    serialise_writes()
    current = SavedView.all_objects.select_for_update().filter(pk=view.pk).first()
    if current is None or current.is_deleted:
        raise ValidationError("This saved view was deleted.")
    return current


@transaction.atomic
def saved_view_create(
    *, user, list_key: str, name: str, query: str = "", shared: bool = False
) -> SavedView:
    """A new view of `list_key` named `name`, holding `query` (the list's query string)."""
    require(user, "create", SavedView, kind=KIND, message="Only the team saves views.")
    name = _clean_name(name)
    query = normalise_query(list_key, query)
    view = SavedView(owner=user, name=name, list_key=list_key, query=query, shared=bool(shared))
    return _save(view, user=user, kind=CREATED, reason="Saved view created")


@transaction.atomic
def saved_view_rename(*, saved_view: SavedView, user, name: str) -> SavedView:
    view = _locked(saved_view, user)
    name = _clean_name(name)
    if name == view.name:
        return view
    view.name = name
    return _save(view, user=user, kind=CHANGED, reason="Renamed")


@transaction.atomic
def saved_view_update_query(*, saved_view: SavedView, user, query: str) -> SavedView:
    """The view's filters and ordering replaced by `query` (the list as it is now)."""
    view = _locked(saved_view, user)
    query = normalise_query(view.list_key, query)
    if query == view.query:
        return view
    view.query = query
    return _save(view, user=user, kind=CHANGED, reason="Filters updated")


@transaction.atomic
def saved_view_share(*, saved_view: SavedView, user, shared: bool) -> SavedView:
    view = _locked(saved_view, user)
    if view.shared == bool(shared):
        return view
    view.shared = bool(shared)
    return _save(view, user=user, kind=CHANGED, reason="Shared" if shared else "Unshared")


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, user) -> SavedView:
    """Out of every list and its link dead; the row and its history stay (soft delete)."""
    view = _locked(saved_view, user)
    view.deleted_at = timezone.now()
    return _save(view, user=user, kind=DELETED, reason="Deleted")
