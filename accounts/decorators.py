from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render

from cooperation.permissions import portal


def partners_to_api_access(view):
    """Send a partner (who has no workspace) to the API access page instead of a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if portal(request.user, "partner_home"):
            return redirect("api_access")
        return view(request, *args, **kwargs)

    return wrapper


def internal_user_required(view):
    """Logged in with an internal role; a partner (or a user with no role) gets a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Every role question on the page (visibility, threads, forms) then reads the
        # user's groups from this one query; changing them clears it (Django's m2m
        # managers drop a prefetch they change).
        prefetch_related_objects([request.user], "groups")
        if not portal(request.user, "workspace"):
            return render(request, "errors/403_internal.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
