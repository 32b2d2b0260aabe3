"""The API's content negotiation (cooperation/api/negotiation.py) answers as DRF's does,
whatever the Accept header: the fast path only names what DRF would have chosen."""

from __future__ import annotations

import pytest
from rest_framework import exceptions, renderers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cooperation.api import web_annotation
from cooperation.api.negotiation import ContentNegotiation
from cooperation.api.renderers import JSONRenderer


class _ProfiledJSONLD(renderers.JSONRenderer):
    media_type = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


RENDERER_LISTS = [
    [_ProfiledJSONLD(), JSONRenderer()],
    [_ProfiledJSONLD()],
    [JSONRenderer()],
    [JSONRenderer(), web_annotation.WebAnnotationRenderer()],
    [web_annotation.WebAnnotationRenderer(), JSONRenderer()],
    [renderers.BrowsableAPIRenderer(), JSONRenderer()],
]
ACCEPTS = [
    None,
    "*/*",
    "",
    "application/json",
    "application/json; indent=4",
    "application/ld+json",
    'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    "text/html",
    "text/html, */*;q=0.1",
    "application/*",
    "image/png",
    "*/*;q=0",
    "APPLICATION/JSON",
    " application/json",
]


def _answer(negotiation, accept, renderer_list, format_suffix=None):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/api/v1/recommendations/", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderer_list, format_suffix)
    except exceptions.NotAcceptable:
        return "406"
    return type(renderer), media_type


@pytest.mark.parametrize("renderer_list", RENDERER_LISTS, ids=lambda r: type(r[0]).__name__)
@pytest.mark.parametrize("accept", ACCEPTS, ids=repr)
def test_the_same_answer_as_drfs(accept, renderer_list):
    ours = _answer(ContentNegotiation(), accept, renderer_list)
    assert ours == _answer(DefaultContentNegotiation(), accept, renderer_list)


def test_the_commonest_headers_are_answered_without_parsing(monkeypatch):
    def parsed(*args, **kwargs):
        raise AssertionError("parsed the Accept header")

    monkeypatch.setattr(ContentNegotiation, "_get_parsed_accept_list", parsed)
    for accept in (None, "*/*", "application/json"):
        assert _answer(ContentNegotiation(), accept, [JSONRenderer()]) == (
            JSONRenderer,
            "application/json",
        )


def test_a_format_suffix_takes_drfs_path():
    renderer_list = [JSONRenderer(), web_annotation.WebAnnotationRenderer()]
    for accept in (None, "*/*", "application/json"):
        ours = _answer(ContentNegotiation(), accept, renderer_list, "json")
        assert ours == _answer(DefaultContentNegotiation(), accept, renderer_list, "json")


def test_the_api_negotiates_with_it(client):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is ContentNegotiation
    response = client.get("/api/v1/", HTTP_ACCEPT="image/png")
    assert response.status_code == 406
