"""Excerpts and notes as W3C Web Annotations (JSON-LD), beside the plain JSON.

https://www.w3.org/TR/annotation-model/: an excerpt is an Annotation whose target is its
source with a TextQuoteSelector and a TextPositionSelector (motivation "highlighting", or
"describing" when it carries a note); a note is an Annotation with a TextualBody
(motivation "commenting", "questioning", …) on an excerpt, a record, or — for a reply —
the note it answers. Like Hypothesis's `annotation_jsonld` presenter, it only presents:
which rows a caller may see is decided by the viewsets' visibility selectors.

Positions count characters of the source's stored text (the `text` of
/api/v1/sources/{id}/), page furniture included, as every excerpt's offsets do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from rest_framework.reverse import reverse

from cooperation.api.renderers import JSONRenderer
from cooperation.api.serializers import display_name
from cooperation.choices import AnnotationMotivation

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = "application/ld+json"
PROFILED_MEDIA_TYPE = f'{MEDIA_TYPE}; profile="{ANNO_CONTEXT}"'
CHUNK_SIZE = 500

# Our note motivations as the W3C's (https://www.w3.org/TR/annotation-vocab/#motivation).
MOTIVATIONS = {
    AnnotationMotivation.COMMENT: "commenting",
    AnnotationMotivation.QUESTION: "questioning",
    AnnotationMotivation.HIGHLIGHT: "highlighting",
    AnnotationMotivation.LINK: "linking",
}


class WebAnnotationRenderer(JSONRenderer):
    """Lets `Accept: application/ld+json` (with or without the anno profile) through
    content negotiation; the views build the JSON-LD, errors render as they are."""

    media_type = MEDIA_TYPE
    format = "jsonld"


def wants_jsonld(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return isinstance(renderer, WebAnnotationRenderer)


def _time(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _creator(user) -> dict:
    # A name only, never an id or an email address (display_name's rule for the API).
    if user is None:
        return {"type": "Software", "name": "Contours"}
    return {"type": "Person", "name": display_name(user)}


def _url(request, basename: str, pk) -> str:
    return reverse(f"api:{basename}-detail", kwargs={"pk": pk}, request=request)


def _text_target(request, excerpt) -> dict:
    return {
        "type": "SpecificResource",
        "source": _url(request, "source", excerpt.source_id),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": excerpt.exact,
                "prefix": excerpt.prefix,
                "suffix": excerpt.suffix,
            },
            {"type": "TextPositionSelector", "start": excerpt.start, "end": excerpt.end},
        ],
    }


def excerpt_annotation(request, excerpt) -> dict:
    """An excerpt as an Annotation: its selectors on its source; its note, if any, as a body."""
    annotation = {
        "id": _url(request, "excerpt", excerpt.pk),
        "type": "Annotation",
        "motivation": "describing" if excerpt.note else "highlighting",
        "created": _time(excerpt.created_at),
        "modified": _time(excerpt.updated_at),
        "creator": _creator(excerpt.created_by),
        "target": _text_target(request, excerpt),
    }
    if excerpt.note:
        annotation["body"] = {
            "type": "TextualBody",
            "value": excerpt.note,
            "format": "text/plain",
            "purpose": "describing",
        }
    return annotation


def note_annotation(request, note) -> dict:
    """A note as an Annotation: its Markdown as a TextualBody on what it is about."""
    motivation = "replying" if note.parent_id else MOTIVATIONS.get(note.motivation, "commenting")
    if note.parent_id:
        target = _url(request, "annotation", note.parent_id)
    elif note.spine_id:
        target = _url(request, note.spine.record_kind, note.spine.kind_id)
    else:
        target = {
            "id": _url(request, "excerpt", note.excerpt_id),
            **_text_target(request, note.excerpt),
        }
    return {
        "id": _url(request, "annotation", note.pk),
        "type": "Annotation",
        "motivation": motivation,
        "created": _time(note.created_at),
        "modified": _time(note.updated_at),
        "creator": _creator(note.author),
        "body": {
            "type": "TextualBody",
            "value": note.body,
            "format": "text/markdown",
            "purpose": motivation,
        },
        "target": target,
    }


def document(item: dict) -> dict:
    return {"@context": ANNO_CONTEXT, **item}


def page(*, page_id: str, collection_id: str, items: list[dict], next_url: str | None) -> dict:
    """One page of a list: an AnnotationPage, part of the collection the list is."""
    result = {
        "@context": ANNO_CONTEXT,
        "id": page_id,
        "type": "AnnotationPage",
        "partOf": {"id": collection_id, "type": "AnnotationCollection"},
        "items": items,
    }
    if next_url:
        result["next"] = next_url
    return result


def stream_collection(
    *, collection_id: str, label: str, total: int, items: Iterable[dict], filename: str
) -> StreamingHttpResponse:
    """The whole list as one AnnotationCollection whose first (and only) page holds every
    item, written as it is read so a large corpus never sits in memory."""

    def chunks() -> Iterator[str]:
        head = {
            "@context": ANNO_CONTEXT,
            "id": collection_id,
            "type": "AnnotationCollection",
            "label": label,
            "total": total,
        }
        first = {"id": f"{collection_id}#page1", "type": "AnnotationPage", "startIndex": 0}
        yield json.dumps(head)[:-1] + ', "first": ' + json.dumps(first)[:-1] + ', "items": ['
        for index, item in enumerate(items):
            yield ("," if index else "") + json.dumps(item)
        yield "]}}"

    response = StreamingHttpResponse(chunks(), content_type=PROFILED_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
