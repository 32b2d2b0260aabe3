"""What a request may carry, swept over every route of the API's router: a method the
resource lacks is 405 with Allow (whoever asks, before any permission check), a body of
an unsupported type is 415, and a query parameter the action does not read, or a value it
cannot read, is 400 naming it — never ignored, never clamped."""

from __future__ import annotations

import pytest

from cooperation.api.urls import router
from tests.api.conftest import client_for
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def _routes():
    """(path, allowed methods, action names) for every URL the router makes."""
    routes = []
    for pattern in router.urls:
        callback = pattern.callback
        regex = str(pattern.pattern)
        if "format" in regex:
            continue
        path = "/api/v1/" + regex.lstrip("^").rstrip("$").replace(
            "(?P<pk>[0-9]{1,18})", "1"
        ).replace("(?P<claim_id>[0-9]{1,18})", "1").replace("\\.", ".")
        allowed = {m for m in callback.actions if m in callback.cls.http_method_names}
        routes.append((path, allowed, callback.actions))
    return routes


ROUTES = _routes()


def test_the_sweep_covers_every_route():
    assert len(ROUTES) == len(router.urls) and len(ROUTES) >= 9 * 3
    assert any(path == "/api/v1/sources/1/" for path, _, _ in ROUTES)


@pytest.fixture
def callers(db, analyst, partner):
    return {
        "anonymous": client_for(None),
        "partner-read": client_for(partner, write=False),
        "partner-write": client_for(partner, write=True),
        "analyst": client_for(analyst),
    }


@pytest.mark.parametrize(("path", "allowed", "actions"), ROUTES, ids=[r[0] for r in ROUTES])
def test_a_method_the_resource_lacks_is_405_with_allow(callers, path, allowed, actions):
    refused = [m for m in METHODS if m not in allowed]
    for who, client in callers.items():
        for method in refused:
            response = getattr(client, method)(path, {}, format="json")
            assert response.status_code == 405, (who, method, path, response.content[:200])
            assert response["Content-Type"] == "application/problem+json"
            offered = {m.strip().lower() for m in response["Allow"].split(",")}
            assert method not in offered
            assert {m for m in allowed if m != "head"} <= offered, (path, offered)


@pytest.mark.parametrize(
    "path", sorted({p for p, allowed, _ in ROUTES if "post" in allowed}), ids=str
)
def test_a_body_of_an_unsupported_type_is_415(analyst, path):
    recommendation = RecommendationFactory()  # the one thing a POST on a detail reaches
    path = path.replace("/1/", f"/{recommendation.pk}/")
    response = client_for(analyst).post(path, "title=x", content_type="text/plain")
    assert response.status_code == 415, response.content[:200]
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(("path", "allowed", "actions"), ROUTES, ids=[r[0] for r in ROUTES])
def test_an_unknown_query_parameter_is_400_naming_it(analyst, path, allowed, actions):
    if "get" not in allowed:
        pytest.skip("no GET here")
    response = client_for(analyst).get(path, {"visibilty": "published"})  # a typo
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"visibilty"}


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/v1/annotations/", {"resolved": "maybe"}, "resolved"),
        ("/api/v1/annotations/", {"thread_starts": "perhaps"}, "thread_starts"),
        ("/api/v1/challenges/", {"unaddressed": "maybe"}, "unaddressed"),
        ("/api/v1/recommendations/", {"overdue": "2x"}, "overdue"),
        ("/api/v1/agreements/", {"page_size": "100000"}, "page_size"),
        ("/api/v1/agreements/", {"page_size": "0"}, "page_size"),
        ("/api/v1/agreements/", {"page_size": "ten"}, "page_size"),
        ("/api/v1/agreements/", {"ordering": "nonsense"}, "ordering"),
        ("/api/v1/agreements/export/", {"page_size": "10"}, "page_size"),
        ("/api/v1/agreements/export/", {"cursor": "x"}, "cursor"),
    ],
)
def test_an_invalid_query_value_is_400_naming_it(analyst, path, params, named):
    response = client_for(analyst).get(path, params)
    assert response.status_code == 400, response.content[:200]
    assert named in response.json()["errors"]


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "", "unknown", "TRUE"])
def test_booleans_read_true_false_and_empty_as_either(analyst, value):
    response = client_for(analyst).get("/api/v1/annotations/", {"resolved": value})
    assert response.status_code == 200, response.content[:200]


def test_page_size_bounds_are_accepted(analyst):
    client = client_for(analyst)
    for size in ("1", "200"):
        assert client.get("/api/v1/agreements/", {"page_size": size}).status_code == 200
