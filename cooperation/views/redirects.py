"""Where a form sends the user after a POST: back to the page they came from, if it is ours."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, fallback: str) -> str:
    """The posted (or queried) `next`, when it points into this site; else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: a bare word ("a b") would reach redirect() as a view name
    # to reverse, and fail there with a 500 instead of falling back.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def with_fragment(url: str, fragment: str) -> str:
    """`url` pointing at `#fragment` (replacing any fragment it had)."""
    return f"{url.split('#', 1)[0]}#{fragment}"
