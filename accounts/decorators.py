from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.roles import is_internal


def internal_user_required(view):
    """Logged in with an internal role; a partner (or a user with no role) gets a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_internal(request.user):
            return render(request, "errors/403_internal.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
