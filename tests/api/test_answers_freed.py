"""An API answer, and the documents it carries, are freed once it is sent: by reference
counting, not left in cycles for the garbage collector (api/conventions.py, _let_go).

Each answer is asked of Django's WSGI handler as a server asks it (the body read, then
close()), with the collector off: an answer still alive after the last reference to it
is dropped is held by a cycle.
"""

from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from tests.api.conftest import RECORDS, bearer, make_token


@contextmanager
def _keeping_connections():
    """As the test client does: a request's start and end would close the test's own
    database connection (and its transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _answer(method: str, path: str, **headers):
    """(status, a weak reference to the answer, its body) once the server has let go of it."""
    environ = getattr(RequestFactory(), method)(path, **headers).environ
    handler = WSGIHandler()
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        with _keeping_connections():
            answer = handler(environ, lambda status, headers, exc_info=None: None)
            status = answer.status_code
            body = b"".join(answer)
            answer.close()
        sent = weakref.ref(answer)
        del answer
        return status, sent, body
    finally:
        if was_enabled:
            gc.enable()


def _paths(world) -> list[tuple[str, str, int]]:
    recommendation = world.records["recommendations"]["published"]
    return [
        *((f"/api/v1/{name}/", "get", 200) for name in RECORDS),
        (f"/api/v1/recommendations/{recommendation.pk}/", "get", 200),
        ("/api/v1/recommendations/?status=proposed", "get", 200),  # a filtered list
        ("/api/v1/recommendations/?cursor=forged", "get", 400),  # a problem
        ("/api/v1/recommendations/999999999/", "get", 404),
        ("/api/v1/no-such-resource/", "get", 404),  # the catch-all
        ("/api/v1/", "get", 200),  # the root
        (f"/api/v1/recommendations/{recommendation.pk}/", "delete", 403),  # a read token
        ("/api/v1/sources/", "get", 200),
    ]


@pytest.mark.django_db
def test_every_kind_of_api_answer_is_freed_when_sent(world, partner):
    headers = bearer(make_token(partner))
    for path, method, expected in _paths(world):
        status, sent, body = _answer(method, path, **headers)
        assert status == expected, (path, body[:200])
        assert sent() is None, f"{method.upper()} {path}: the answer outlives its request"


@pytest.mark.django_db
def test_a_not_modified_answer_and_a_streamed_export_are_freed_as_well(world, partner):
    headers = bearer(make_token(partner))
    detail = f"/api/v1/recommendations/{world.records['recommendations']['published'].pk}/"
    environ = RequestFactory().get(detail, **headers).environ
    with _keeping_connections():
        first = WSGIHandler()(environ, lambda *args: None)
        etag = first["ETag"]
        first.close()

    status, sent, body = _answer("get", detail, HTTP_IF_NONE_MATCH=etag, **headers)
    assert (status, body) == (304, b"")
    assert sent() is None

    status, sent, body = _answer("get", "/api/v1/recommendations/json-export/", **headers)
    assert status == 200 and b'"contours-export"' in body
    assert sent() is None


@pytest.mark.django_db
def test_a_refused_token_gets_an_answer_freed_as_well(world):
    status, sent, _ = _answer("get", "/api/v1/recommendations/", **bearer("ctr_forged"))
    assert status == 401
    assert sent() is None


@pytest.mark.django_db
def test_a_list_answer_keeps_its_data_until_sent(world, partner):
    """Breaking the cycles happens at close(): until then the answer is whole (the test
    client, and anything else reading `response.data` before sending, still reads it)."""
    environ = RequestFactory().get("/api/v1/recommendations/", **bearer(make_token(partner)))
    with _keeping_connections():
        answer = WSGIHandler()(environ.environ, lambda *args: None)
        assert answer.data["results"]
        assert answer.renderer_context["view"].response is answer
        b"".join(answer)
        answer.close()
        assert answer.data["results"]  # the data stays for whoever holds the answer
        assert answer.renderer_context is None
