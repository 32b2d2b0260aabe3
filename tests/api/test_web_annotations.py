"""Excerpts and notes as W3C Web Annotation JSON-LD: content negotiation, pages, download.

Each document is checked against the Web Annotation data model
(https://www.w3.org/TR/annotation-model/) with a JSON Schema of its MUSTs written here,
independent of the one in the OpenAPI document, and every key and type must be a term the
anno.jsonld context defines (no JSON-LD processor is installed, and tests use no network).
The rows shown are exactly those of the plain JSON: visibility is the viewsets', so a
private note reaches its author only.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.services import annotation_create, excerpt_create
from tests.api.conftest import client_for
from tests.factories import AnalystFactory, SourceFactory

ANNO = "http://www.w3.org/ns/anno.jsonld"
ACCEPT = f'application/ld+json; profile="{ANNO}"'

# Terms of http://www.w3.org/ns/anno.jsonld that these documents use.
CONTEXT_TERMS = {
    "@context", "id", "type", "motivation", "created", "modified", "creator", "name",
    "body", "value", "format", "purpose", "target", "source", "selector", "exact", "prefix",
    "suffix", "start", "end", "partOf", "items", "next", "first", "total", "label",
    "startIndex",
}  # fmt: skip
CONTEXT_TYPES = {
    "Annotation", "AnnotationPage", "AnnotationCollection", "SpecificResource",
    "TextualBody", "TextQuoteSelector", "TextPositionSelector", "Person", "Software",
}  # fmt: skip
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
    "tagging",
}  # fmt: skip

_IRI = {"type": "string", "pattern": "^https?://"}
_DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
}
W3C_ANNOTATION = {
    "type": "object",
    "required": ["id", "type", "target"],
    "properties": {
        "id": _IRI,
        "type": {"const": "Annotation"},
        "motivation": {"enum": sorted(MOTIVATIONS)},
        "created": _DATETIME,
        "modified": _DATETIME,
        "creator": {
            "type": "object",
            "required": ["type", "name"],
            "properties": {"type": {"enum": ["Person", "Software"]}, "name": {"type": "string"}},
        },
        "body": {
            "type": "object",
            "required": ["type", "value"],
            "properties": {
                "type": {"const": "TextualBody"},
                "value": {"type": "string"},
                "format": {"type": "string"},
                "purpose": {"enum": sorted(MOTIVATIONS)},
            },
        },
        "target": {
            "oneOf": [
                _IRI,
                {
                    "type": "object",
                    "required": ["source", "selector"],
                    "properties": {
                        "type": {"const": "SpecificResource"},
                        "source": _IRI,
                        "selector": {
                            "type": "array",
                            "minItems": 2,
                            "items": {
                                "oneOf": [
                                    {
                                        "type": "object",
                                        "required": ["type", "exact"],
                                        "properties": {
                                            "type": {"const": "TextQuoteSelector"},
                                            "exact": {"type": "string", "minLength": 1},
                                            "prefix": {"type": "string"},
                                            "suffix": {"type": "string"},
                                        },
                                        "additionalProperties": False,
                                    },
                                    {
                                        "type": "object",
                                        "required": ["type", "start", "end"],
                                        "properties": {
                                            "type": {"const": "TextPositionSelector"},
                                            "start": {"type": "integer", "minimum": 0},
                                            "end": {"type": "integer", "minimum": 0},
                                        },
                                        "additionalProperties": False,
                                    },
                                ]
                            },
                        },
                    },
                },
            ]
        },
    },
}
W3C_DOCUMENT = {**W3C_ANNOTATION, "required": ["@context", *W3C_ANNOTATION["required"]]}
W3C_PAGE = {
    "type": "object",
    "required": ["@context", "id", "type", "items"],
    "properties": {
        "@context": {"const": ANNO},
        "id": _IRI,
        "type": {"const": "AnnotationPage"},
        "partOf": {"type": "object", "required": ["id", "type"]},
        "next": _IRI,
        "items": {"type": "array", "items": W3C_ANNOTATION},
    },
}


def _terms(value, found: set, types: set) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key == "type":
                types.add(item)
            _terms(item, found, types)
    elif isinstance(value, list):
        for item in value:
            _terms(item, found, types)


def assert_web_annotation(document: dict, *, schema=W3C_DOCUMENT) -> None:
    jsonschema.validate(document, schema)
    assert document["@context"] == ANNO
    keys, types = set(), set()
    _terms(document, keys, types)
    assert keys <= CONTEXT_TERMS, keys - CONTEXT_TERMS
    assert types <= CONTEXT_TYPES, types - CONTEXT_TYPES


def _get(client, url, **headers):
    return client.get(url, HTTP_ACCEPT=ACCEPT, **headers)


# -- excerpts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_excerpt_is_a_web_annotation_with_both_text_selectors(analyst):
    source = SourceFactory()
    excerpt = excerpt_create(source=source, start=18, end=41, user=analyst)

    response = _get(client_for(analyst), f"/api/v1/excerpts/{excerpt.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == ACCEPT
    assert "Accept" in response["Vary"]
    document = response.json()
    assert_web_annotation(document)
    assert document["id"] == f"http://testserver/api/v1/excerpts/{excerpt.pk}/"
    assert document["motivation"] == "highlighting" and "body" not in document
    assert document["creator"] == {"type": "Person", "name": "Aiko Analyst"}
    target = document["target"]
    assert target["source"] == f"http://testserver/api/v1/sources/{source.pk}/"
    quote, position = target["selector"]
    assert position == {"type": "TextPositionSelector", "start": 18, "end": 41}
    assert quote["type"] == "TextQuoteSelector"
    assert quote["exact"] == source.text[18:41] == excerpt.exact
    assert quote["prefix"] == source.text[:18] and quote["suffix"] == excerpt.suffix
    # The selectors point into the text the source's API resource serves.
    text = client_for(analyst).get(f"/api/v1/sources/{source.pk}/").json()["text"]
    assert text[position["start"] : position["end"]] == quote["exact"]


@pytest.mark.django_db
def test_an_excerpt_with_a_note_describes_it_in_a_textual_body(analyst):
    excerpt = excerpt_create(source=SourceFactory(), start=0, end=12, user=None, note="Key line")

    document = _get(client_for(analyst), f"/api/v1/excerpts/{excerpt.pk}/").json()

    assert_web_annotation(document)
    assert document["motivation"] == "describing"
    assert document["body"]["type"] == "TextualBody" and document["body"]["value"] == "Key line"
    assert document["creator"] == {"type": "Software", "name": "Contours"}


@pytest.mark.django_db
def test_plain_json_is_unchanged_without_the_accept_header(analyst):
    excerpt = excerpt_create(source=SourceFactory(), start=0, end=12, user=analyst)

    response = client_for(analyst).get(f"/api/v1/excerpts/{excerpt.pk}/")

    assert response["Content-Type"] == "application/json"
    assert "@context" not in response.json() and response.json()["exact"] == excerpt.exact


@pytest.mark.django_db
def test_the_json_ld_detail_has_its_own_etag_and_answers_304(analyst):
    excerpt = excerpt_create(source=SourceFactory(), start=0, end=12, user=analyst)
    client, url = client_for(analyst), f"/api/v1/excerpts/{excerpt.pk}/"
    etag = _get(client, url)["ETag"]

    assert etag != client.get(url)["ETag"]
    assert _get(client, url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_the_excerpt_list_is_a_cursor_paged_annotation_page(world, partner):
    client = client_for(partner)

    first = _get(client, "/api/v1/excerpts/?page_size=1")

    assert first.status_code == 200 and first["Content-Type"] == ACCEPT
    page = first.json()
    jsonschema.validate(page, W3C_PAGE)
    for item in page["items"]:
        assert_web_annotation({"@context": ANNO, **item})
    assert page["partOf"] == {
        "id": "http://testserver/api/v1/excerpts/",
        "type": "AnnotationCollection",
    }
    # A partner sees the excerpts the plain JSON shows them, no more.
    plain = client.get("/api/v1/excerpts/?page_size=50").json()["results"]
    ids = [item["id"] for item in page["items"]]
    while "next" in page:
        page = _get(client, page["next"]).json()
        ids += [item["id"] for item in page["items"]]
    assert ids == [item["url"] for item in plain]
    assert f"http://testserver/api/v1/excerpts/{world.hidden_excerpt.pk}/" not in ids


@pytest.mark.django_db
def test_a_hidden_excerpt_is_a_404_in_json_ld_too(world, partner):
    response = _get(client_for(partner), f"/api/v1/excerpts/{world.hidden_excerpt.pk}/")

    assert response.status_code == 404


# -- notes ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notes_are_commenting_annotations_on_their_record_or_excerpt(world, analyst):
    client = client_for(analyst)
    on_record = world.notes["team_on_published"]
    on_excerpt = world.notes["partners_on_excerpt"]

    record_doc = _get(client, f"/api/v1/annotations/{on_record.pk}/").json()
    excerpt_doc = _get(client, f"/api/v1/annotations/{on_excerpt.pk}/").json()

    for document in (record_doc, excerpt_doc):
        assert_web_annotation(document)
        assert document["motivation"] == "commenting"
        assert document["creator"] == {"type": "Person", "name": "Aiko Analyst"}
    assert record_doc["body"] == {
        "type": "TextualBody",
        "value": on_record.body,
        "format": "text/markdown",
        "purpose": "commenting",
    }
    agreement = world.records["agreements"]["published"]
    assert record_doc["target"] == f"http://testserver/api/v1/agreements/{agreement.pk}/"
    excerpt = world.published_excerpt
    assert excerpt_doc["target"]["id"] == f"http://testserver/api/v1/excerpts/{excerpt.pk}/"
    assert excerpt_doc["target"]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": excerpt.start,
        "end": excerpt.end,
    }


@pytest.mark.django_db
def test_a_reply_replies_to_its_parent_and_a_question_questions(world, analyst):
    parent = world.notes["team_on_published"]
    reply = annotation_create(author=analyst, body="Agreed.", parent=parent)
    question = annotation_create(
        author=analyst,
        body="Which year?",
        excerpt=world.published_excerpt,
        motivation=AnnotationMotivation.QUESTION,
    )
    client = client_for(analyst)

    reply_doc = _get(client, f"/api/v1/annotations/{reply.pk}/").json()
    question_doc = _get(client, f"/api/v1/annotations/{question.pk}/").json()

    assert_web_annotation(reply_doc)
    assert reply_doc["motivation"] == "replying"
    assert reply_doc["target"] == f"http://testserver/api/v1/annotations/{parent.pk}/"
    assert question_doc["motivation"] == "questioning"


@pytest.mark.django_db
def test_a_private_note_reaches_its_author_only(world, analyst, curator, partner):
    private = world.notes["private"]
    url = f"/api/v1/annotations/{private.pk}/"

    assert _get(client_for(analyst), url).status_code == 200
    assert _get(client_for(curator), url).status_code == 404
    assert _get(client_for(partner), url).status_code == 404
    for user in (curator, partner, AnalystFactory()):
        page = _get(client_for(user), "/api/v1/annotations/?page_size=100").json()
        assert f"http://testserver{url}" not in [item["id"] for item in page["items"]]


@pytest.mark.django_db
def test_a_partner_sees_in_json_ld_the_notes_the_plain_json_shows_them(world, partner):
    client = client_for(partner)

    page = _get(client, "/api/v1/annotations/?page_size=100").json()
    plain = client.get("/api/v1/annotations/?page_size=100").json()["results"]

    jsonschema.validate(page, W3C_PAGE)
    assert [item["id"] for item in page["items"]] == [item["url"] for item in plain]
    assert {item["body"]["value"] for item in page["items"]} == {"A partners note"}


# -- the download -----------------------------------------------------------------------------


def _download(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == ACCEPT
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.django_db
def test_the_download_is_one_annotation_collection_of_everything_visible(world, analyst, partner):
    collection = _download(client_for(analyst), "/api/v1/annotations/web-annotations/")

    assert collection["@context"] == ANNO and collection["type"] == "AnnotationCollection"
    assert collection["id"] == "http://testserver/api/v1/annotations/web-annotations/"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == len(world.notes)  # the author sees their own
    for item in items:
        assert_web_annotation({"@context": ANNO, **item})
    assert_web_annotation(collection | {"first": {**collection["first"], "items": []}}, schema={})

    partner_items = _download(client_for(partner), "/api/v1/annotations/web-annotations/")["first"][
        "items"
    ]
    assert {item["body"]["value"] for item in partner_items} == {"A partners note"}


@pytest.mark.django_db
def test_the_excerpt_download_takes_the_lists_filters(world, analyst):
    source = world.published_source
    url = f"/api/v1/excerpts/web-annotations/?source={source.pk}"

    collection = _download(client_for(analyst), url)

    sources = {item["target"]["source"] for item in collection["first"]["items"]}
    assert sources == {f"http://testserver/api/v1/sources/{source.pk}/"}
    assert collection["total"] == source.excerpts.count()


@pytest.mark.django_db
def test_the_download_refuses_an_unknown_filter_as_a_400(analyst):
    response = client_for(analyst).get("/api/v1/excerpts/web-annotations/?sauce=1")

    assert response.status_code == 400


@pytest.mark.django_db
def test_an_empty_download_is_still_a_valid_collection(analyst):
    collection = _download(client_for(analyst), "/api/v1/excerpts/web-annotations/")

    assert collection["total"] == 0 and collection["first"]["items"] == []


@pytest.mark.django_db
def test_a_private_note_is_not_in_anyone_elses_download(world, curator):
    collection = _download(client_for(curator), "/api/v1/annotations/web-annotations/")

    ids = {item["id"] for item in collection["first"]["items"]}
    assert world.notes["private"].visibility == AnnotationVisibility.PRIVATE
    assert f"http://testserver/api/v1/annotations/{world.notes['private'].pk}/" not in ids
    assert len(ids) == len(world.notes) - 1
