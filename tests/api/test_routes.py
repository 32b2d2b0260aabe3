"""The API's URLs are the router's own, grouped one include per resource
(cooperation/api/router.py `grouped_urls`): every path the flat router makes resolves to the
same view and name, and every name reverses to the same path."""

from __future__ import annotations

import re

from django.urls import resolve, reverse

from cooperation.api.router import grouped_urls, router
from cooperation.api.urls import urlpatterns

_GROUP = re.compile(r"\(\?P<(\w+)>\[0-9\]\{1,18\}\)")


def _flat_routes():
    """(path, kwargs, name, viewset, actions) for every URL the flat router makes."""
    for pattern in router.urls:
        regex = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\.", ".")
        kwargs = {name: str(index + 7) for index, name in enumerate(_GROUP.findall(regex))}
        path = _GROUP.sub(lambda match, values=kwargs: values[match.group(1)], regex)
        yield "/api/v1/" + path, kwargs, pattern.name, pattern.callback


def test_every_route_of_the_router_resolves_to_its_own_view_and_name():
    routes = list(_flat_routes())
    assert len(routes) >= 40
    for path, kwargs, name, callback in routes:
        match = resolve(path)
        assert match.url_name == name, path
        assert match.namespace == "api"
        assert match.func.cls is callback.cls, path
        assert _without_head(match.func.actions) == _without_head(callback.actions), path
        assert match.kwargs == kwargs, path
        assert reverse(f"api:{name}", kwargs=kwargs) == path


def _without_head(actions: dict) -> dict:
    # DRF adds HEAD to a view's actions when it first answers a GET (its view function's
    # own dict), so whether "head" is there depends on what ran before.
    return {method: action for method, action in actions.items() if method != "head"}


def test_each_resource_is_one_include_so_resolving_tries_one_pattern_per_resource():
    grouped = grouped_urls(router)
    assert len(grouped) == len(router.registry)
    assert [str(entry.pattern) for entry in grouped] == [
        f"{prefix}/" for prefix, _, _ in router.registry
    ]
    assert sum(len(entry.url_patterns) for entry in grouped) == len(router.urls)
    # Mounted in the v1 URLs as they are, after the root and the change feed.
    assert [str(entry.pattern) for entry in urlpatterns[2:]] == [
        str(entry.pattern) for entry in grouped
    ]


def test_a_router_set_otherwise_keeps_its_flat_list():
    from rest_framework.routers import SimpleRouter

    from cooperation.api import views

    other = SimpleRouter(trailing_slash=False)
    other.register("sources", views.SourceViewSet, basename="source")
    assert grouped_urls(other) == other.urls


def test_a_path_no_route_names_is_still_the_apis_json_404(client):
    for path in ("/api/v1/recommendations/x/", "/api/v1/recommendations/1/nope/", "/api/v1/nope/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/problem+json"), path
