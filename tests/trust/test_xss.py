"""Hostile text renders inert: in every page that shows it, and in the API's JSON.

The payloads (tests/cooperation/test_markdown.py's corpus) go into record titles and
summaries, note bodies and search terms. Each page is parsed the way a browser builds
elements (html.parser), and no element, attribute or URL that could run script or load
something from elsewhere may come out of it.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cooperation.models import Agreement
from cooperation.services import annotation_create, evidence_attach, excerpt_create
from tests.api.conftest import client_for
from tests.cooperation.test_markdown import XSS_CORPUS
from tests.factories import (
    AgreementFactory,
    ChallengeFactory,
    DealFactory,
    RecommendationFactory,
    SourceFactory,
)

# A success is JSON; an error is problem details (RFC 9457), JSON too. Never HTML.
JSON_TYPES = ("application/json", "application/problem+json")

pytestmark = pytest.mark.django_db

FACTORIES = [AgreementFactory, DealFactory, ChallengeFactory, RecommendationFactory]
# Elements that run script, embed another document or change where the page's links go.
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "srcset"}
# Attributes that load something: the pages use no CDN, so these are always local paths.
LOADING_ATTRIBUTES = URL_ATTRIBUTES - {"href", "action", "formaction"}
SAFE_HREF = re.compile(r"^(https?:|mailto:|/(?!/)|#|\?|$)")
LOCAL = re.compile(r"^(/(?!/)|#|$)")
# What a browser strips before reading a URL's scheme.
IGNORED_IN_URLS = re.compile(r"[\x00-\x20\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\ufeff]")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element = f"<{tag} {attrs}>"
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"forbidden element {element}")
        if tag == "script":
            self._in_script = True
            if not LOCAL.match(attrs.get("src") or "") or not attrs.get("src"):
                self.problems.append(f"script not from our static files: {element}")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"refresh: {element}")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} in {element}")
            if name == "style" and re.search(r"url\(|expression|javascript", value, re.I):
                self.problems.append(f"active style in {element}")
            if name in URL_ATTRIBUTES:
                url = IGNORED_IN_URLS.sub("", value).lower()
                allowed = LOCAL if name in LOADING_ATTRIBUTES else SAFE_HREF
                if not allowed.match(url):
                    self.problems.append(f"unsafe {name}={value!r} in {element}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")


def assert_inert(response, where: str) -> None:
    assert response.status_code == 200, where
    page = _Page()
    page.feed(response.content.decode())
    page.close()
    assert not page.problems, f"{where}: {page.problems}"


@pytest.fixture
def hostile(curator):
    """One record per payload (kinds in turn), each with a note and evidence in one brief."""
    source = SourceFactory(title="Brief <script>alert(1)</script>")
    excerpt = excerpt_create(source=source, start=0, end=12, user=curator)
    records = []
    for index, payload in enumerate(XSS_CORPUS):
        factory = FACTORIES[index % len(FACTORIES)]
        record = factory(title=payload[:300], summary=payload, user=curator)
        evidence_attach(record=record, excerpt=excerpt, user=curator)
        annotation_create(author=curator, body=payload, record=record)
        records.append(record)
    for payload in XSS_CORPUS[:10]:
        annotation_create(author=curator, body=payload, excerpt=excerpt)
    return source, records


def test_pages_showing_hostile_titles_summaries_and_notes_are_inert(client, curator, hostile):
    source, records = hostile
    client.force_login(curator)
    pages = [
        "/",
        reverse("cooperation:search") + "?q=alert",
        reverse("cooperation:source_detail", args=[source.pk]),
        reverse("cooperation:annotation_list"),
        reverse("cooperation:trash"),
        *(reverse(f"cooperation:{name}_list") for name in ("agreement", "deal", "challenge")),
        reverse("cooperation:recommendation_list"),
        reverse("cooperation:recommendation_board"),
    ]
    pages += [record.get_absolute_url() for record in records]
    for record in records[:8]:  # two of each kind: these pages show every record alike
        kind = record._meta.model_name
        pages += [
            reverse(f"cooperation:{kind}_edit", args=[record.slug]),
            reverse(f"cooperation:{kind}_history", args=[record.slug]),
        ]
    for url in pages:
        assert_inert(client.get(url), url)
    for record in records:
        # The payload is on the page, as text: shown, not dropped and not run.
        text = html.unescape(client.get(record.get_absolute_url()).content.decode())
        assert record.title.strip() in text, record.title


@pytest.mark.parametrize(
    "snippet",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<img src="https://evil.example/t.png">',
        "<iframe></iframe>",
        '<div style="background:url(x)">',
        '<meta http-equiv="refresh" content="0">',
        "<svg onload=alert(1)>",
    ],
)
def test_the_page_check_catches_executable_markup(snippet):
    class Page:
        status_code = 200
        content = f"<html><body><p>ok</p>{snippet}</body></html>".encode()

    with pytest.raises(AssertionError):
        assert_inert(Page(), "snippet")


def test_the_page_check_accepts_our_own_markup():
    class Page:
        status_code = 200
        content = (
            b'<html><head><script src="/static/app.js" defer></script></head><body>'
            b'<a href="/agreements/?q=1">x</a><a href="https://example.org">y</a>'
            b'<form action="/search/"><input name="q"></form>'
            b'<img src="/static/i.svg"></body></html>'
        )

    assert_inert(Page(), "ours")


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_hostile_search_terms_are_inert(client, curator, payload):
    AgreementFactory(title="Semiconductor supply", user=curator)
    client.force_login(curator)
    for url in (
        reverse("cooperation:search"),
        reverse("cooperation:agreement_list"),
        reverse("cooperation:annotation_list"),
    ):
        assert_inert(client.get(url, {"q": payload}), f"{url}?q={payload!r}")


def test_api_returns_hostile_text_as_json_only(curator, hostile):
    _, records = hostile
    api = client_for(curator)
    for record in records:
        resource = f"{record._meta.model_name}s"
        for accept in ("application/json", "text/html"):
            response = api.get(f"/api/v1/{resource}/{record.pk}/", HTTP_ACCEPT=accept)
            # Never HTML, and browsers are told not to guess otherwise.
            assert response["Content-Type"] in JSON_TYPES, accept
            assert response["X-Content-Type-Options"] == "nosniff"
            if response.status_code == 200:
                body = json.loads(response.content)
                assert body["title"] == record.title
                assert body["summary"] == record.summary
    listing = api.get("/api/v1/annotations/", {"q": "alert"})
    assert listing["Content-Type"] == "application/json"
    bodies = {note["body"] for note in listing.json()["results"]}
    assert bodies and bodies <= set(XSS_CORPUS)


@pytest.mark.parametrize("payload", XSS_CORPUS[:20])
def test_api_echoes_hostile_search_terms_and_fields_as_json(curator, payload):
    api = client_for(curator)
    listed = api.get("/api/v1/agreements/", {"q": payload, "ordering": payload})
    assert listed["Content-Type"] in JSON_TYPES
    assert listed.status_code in (200, 400)
    created = api.post("/api/v1/agreements/", {"title": payload, "slug": payload}, format="json")
    assert created.status_code == 400
    assert created["Content-Type"] == "application/problem+json"
    assert Agreement.all_objects.count() == 0
