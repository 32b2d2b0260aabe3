"""The API docs render in a browser that cannot reach the internet (issue 4: "renders offline")."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline(context, live_server) -> list[str]:
    """Abort every request that leaves the live server; return the ones that tried."""
    tried: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return tried


def _schema_tags() -> set[str]:
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    return {
        tag
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        # Swagger UI files an operation with no tag under "default".
        for tag in operation.get("tags") or ["default"]
    }


def test_swagger_ui_renders_every_resource_offline(page, context, live_server):
    tried = _offline(context, live_server)

    page.goto("/api/docs/")

    tags = page.locator(".opblock-tag")
    expect(tags.filter(has_text="recommendations")).to_be_visible()
    # One section per tag the schema gives its operations: every collection, the root, the feed.
    expect(tags).to_have_count(len(_schema_tags()))
    expect(page.get_by_text("/api/v1/recommendations/{id}/transition/")).to_be_visible()
    assert tried == []


def test_redoc_renders_the_operations_offline(page, context, live_server):
    _offline(context, live_server)

    page.goto("/api/docs/redoc/")

    expect(page.get_by_role("heading", name="Contours API (1.0.0)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="List recommendations")).to_be_attached()
