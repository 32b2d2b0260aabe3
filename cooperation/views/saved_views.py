"""Saved views: save a list's filters under a name, open one by its link, manage yours.

`/views/<token>/` is the link people share: it redirects to the list with the saved
query when the visitor may open the view (permissions ("savedview", "open")), and is a
404 otherwise, the same 404 as a token that never existed, so a private view's link
tells nobody else that it exists. The list then applies the visitor's own visibility.

Every write is a service call (cooperation/services/saved_views.py); a refusal comes back
as a message on the page the form was on, never a 500. The forms work without script.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import internal_user_required
from cooperation.choices import SavedViewList
from cooperation.models import SavedView
from cooperation.permissions import can
from cooperation.selectors import saved_views_visible_to
from cooperation.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_view_share,
    saved_view_update_query,
)

# The list pages' URL names by list key (cooperation/views/lists.py names them so).
LIST_URL = "cooperation:{}_list"


def list_url(view: SavedView) -> str:
    url = reverse(LIST_URL.format(view.list_key))
    return f"{url}?{view.query}" if view.query else url


def _link(request, view: SavedView) -> str:
    """The address to share: the same for everyone, whatever the list's query."""
    return request.build_absolute_uri(reverse("cooperation:savedview_open", args=[view.token]))


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _back(request, fallback: str):
    """Back to the page the form was on (`next`, if it is this site's), else `fallback`."""
    target = request.POST.get("next", "")
    # Only a path on this site; never `redirect(target)`, which would read a bare word as a
    # URL name (and fail on one that is none).
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _openable(request, token: str) -> SavedView:
    """The view if the visitor may open it; else 404, whether it exists or not."""
    view = saved_views_visible_to(request.user).filter(token=token).first()
    if view is None:
        raise Http404("No such saved view.")
    return view


def menu_context(request, list_key: str) -> dict:
    """What a list page's "Saved views" menu shows: the visitor's views of this list and
    the team's shared ones, and the "Save this view" form's query (the list's own)."""
    if list_key not in SavedViewList.values:
        return {}
    views = list(saved_views_visible_to(request.user, list_key))
    query = request.GET.copy()
    return {
        "saved_views_mine": [v for v in views if v.owner_id == request.user.pk],
        "saved_views_team": [v for v in views if v.owner_id != request.user.pk],
        "saved_views_count": len(views),
        "saved_view_list_key": list_key,
        "saved_view_query": query.urlencode(),
        "saved_view_may_save": can(request.user, "create", SavedView, kind="savedview"),
    }


@require_safe
@internal_user_required
def saved_view_list(request):
    views = list(saved_views_visible_to(request.user))
    labels = dict(SavedViewList.choices)
    for view in views:
        view.list_label = labels.get(view.list_key, view.list_key)
        view.url = list_url(view)
        view.link = request.build_absolute_uri(
            reverse("cooperation:savedview_open", args=[view.token])
        )
    return render(
        request,
        "cooperation/saved_views/list.html",
        {
            "mine": [v for v in views if v.owner_id == request.user.pk],
            "team": [v for v in views if v.owner_id != request.user.pk],
        },
    )


@require_POST
@internal_user_required
def saved_view_create_view(request):
    list_key = request.POST.get("list_key", "")
    fallback = (
        reverse(LIST_URL.format(list_key))
        if list_key in SavedViewList.values
        else reverse("cooperation:savedview_list")
    )
    try:
        view = saved_view_create(
            user=request.user,
            list_key=list_key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except ValidationError as exc:
        messages.error(request, f"The view was not saved: {_errors(exc)}")
        return _back(request, fallback)
    link = _link(request, view)
    messages.success(
        request,
        f"Saved the view “{view.name}”"
        + (", shared with the team" if view.shared else "")
        + f". Its link: {link}",
    )
    return redirect(list_url(view))


@require_safe
@internal_user_required
def saved_view_open(request, token: str):
    return redirect(list_url(_openable(request, token)))


def _manage(request, token: str, action, done: str):
    view = _openable(request, token)  # another's private view: 404, as if it did not exist
    try:
        changed = action(view)  # the service refuses a colleague's shared view (403)
    except ValidationError as exc:
        messages.error(request, f"“{view.name}” was not changed: {_errors(exc)}")
    else:
        messages.success(request, done.format(name=changed.name))
    return _back(request, reverse("cooperation:savedview_list"))


@require_POST
@internal_user_required
def saved_view_rename_view(request, token: str):
    return _manage(
        request,
        token,
        lambda v: saved_view_rename(
            saved_view=v, user=request.user, name=request.POST.get("name", "")
        ),
        "Renamed to “{name}”.",
    )


@require_POST
@internal_user_required
def saved_view_update_view(request, token: str):
    return _manage(
        request,
        token,
        lambda v: saved_view_update_query(
            saved_view=v, user=request.user, query=request.POST.get("query", "")
        ),
        "“{name}” now holds these filters.",
    )


@require_POST
@internal_user_required
def saved_view_share_view(request, token: str):
    shared = request.POST.get("shared") == "on"
    return _manage(
        request,
        token,
        lambda v: saved_view_share(saved_view=v, user=request.user, shared=shared),
        "“{name}” is shared with the team." if shared else "“{name}” is yours alone now.",
    )


@require_POST
@internal_user_required
def saved_view_delete_view(request, token: str):
    return _manage(
        request,
        token,
        lambda v: saved_view_delete(saved_view=v, user=request.user),
        "Deleted the view “{name}”.",
    )


urlpatterns = [
    path("views/", saved_view_list, name="savedview_list"),
    path("views/new/", saved_view_create_view, name="savedview_create"),
    path("views/<slug:token>/", saved_view_open, name="savedview_open"),
    path("views/<slug:token>/rename/", saved_view_rename_view, name="savedview_rename"),
    path("views/<slug:token>/update/", saved_view_update_view, name="savedview_update"),
    path("views/<slug:token>/share/", saved_view_share_view, name="savedview_share"),
    path("views/<slug:token>/delete/", saved_view_delete_view, name="savedview_delete"),
]
