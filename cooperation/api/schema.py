"""drf-spectacular extensions: the Bearer scheme, typed links, and the error responses."""

from __future__ import annotations

import copy
import json

import django_filters
from django.conf import settings
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from cooperation.api.errors import ErrorSerializer
from cooperation.filtersets import FILTERSETS


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )
        scheme["description"] = (
            "An API token from an administrator or `manage.py create_api_token`: "
            "`Authorization: Bearer ctr_…`."
        )
        return scheme


class LinkFieldSchema(OpenApiSerializerFieldExtension):
    """A typed link reads as an object and is written as a slug."""

    target_class = "cooperation.api.serializers.LinkField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "description": "The linked object's slug."}
        return {
            "type": "object",
            "required": ["id", "slug", "name", "url"],
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        }


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


READ_ERRORS = {
    400: _error("Invalid filter, ordering or cursor."),
    401: _error("No credentials, or an unknown, expired or revoked token."),
    403: _error("The account has no role."),
    404: _error("No such resource, or not visible to you."),
    429: _error("Too many requests; see Retry-After."),
}
WRITE_ERRORS = {
    **READ_ERRORS,
    400: _error("Validation error: `errors` names each field."),
    403: _error("Not allowed for this account or token."),
    409: _error("Conflicts with existing data."),
}
CONDITIONAL_ERRORS = {
    **WRITE_ERRORS,
    412: _error("If-Match names a version that is no longer current."),
    428: _error("If-Match is missing."),
}


def _describe_slug_filters() -> None:
    """The shared FilterSets filter links by slug (`?actor=india`); say so in the schema.

    drf-spectacular cannot infer a type through `actors__slug`; the hint is set on
    the filter objects themselves, so the web lists using the same classes are untouched.
    """
    for filterset in FILTERSETS.values():
        for field in filterset.base_filters.values():
            if (
                isinstance(field, django_filters.ModelMultipleChoiceFilter)
                and getattr(field, "extra", {}).get("to_field_name") == "slug"
            ):
                set_override(field, "field", OpenApiTypes.STR)


_describe_slug_filters()


# ---- resilience: 503 on every operation, Idempotency-Key on every POST -------------------

_RETRY_AFTER = {
    "schema": {"type": "integer", "minimum": 1},
    "description": "Seconds to wait before trying again.",
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 257},
    "description": (
        'A unique key for this request (IETF httpapi draft "The Idempotency-Key HTTP Header '
        'Field"), e.g. `"8e03978e-40d5-43e8-bc93-6894a57f9324"`: a quoted string of up to 255 '
        "printable ASCII characters. Sending the same request again with the same key within "
        "24 hours returns the first answer (status, body, Location, ETag, and "
        "`Idempotent-Replayed: true`) without writing again. Keys belong to your token."
    ),
}
_REPLAYED = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present when this is the stored answer to an earlier request with the "
    "same Idempotency-Key; nothing was written this time.",
}
_UNAVAILABLE = (
    "The database was briefly unavailable or busy (a lock held by another change, a timeout, "
    "a lost connection); see Retry-After. `code` is `temporarily_unavailable` when nothing was "
    "saved, `outcome_unknown` when a write may have been saved: read before repeating it, or "
    "repeat it with the same Idempotency-Key."
)


def _error_content(responses: dict) -> dict:
    """The content of the operation's own error responses, so a 503 is documented alike."""
    for code, response in sorted(responses.items()):
        if str(code)[0] == "4" and "content" in response:
            return copy.deepcopy(response["content"])
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def document_resilience(result, generator, request, public):
    """drf-spectacular postprocessing hook: what every API operation may also answer."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            content = _error_content(responses)
            responses.setdefault(
                "503",
                {"description": _UNAVAILABLE, "headers": {"Retry-After": _RETRY_AFTER}},
            ).setdefault("content", content)
            if method != "post":
                continue
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
            for code, response in responses.items():
                if str(code).startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = _REPLAYED
            in_flight = "A request with the same Idempotency-Key is still being processed."
            conflict = responses.setdefault("409", {"content": copy.deepcopy(content)})
            conflict["description"] = " ".join(
                part for part in (conflict.get("description", ""), in_flight) if part
            )
            responses["422"] = {
                "description": "The Idempotency-Key was used for a different request.",
                "content": copy.deepcopy(content),
            }
    return result


# ---- HTTP: problem details, conditional requests, rate limits, the status codes ------------

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, served as `application/problem+json`. `detail` "
    "and `code` are kept from the API's earlier error format; `errors` appears on validation "
    "errors only; other members may be added (e.g. `limit_bytes` on 413).",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {
            "type": "string",
            "description": 'A URI naming the problem; "about:blank": the status says it.',
        },
        "title": {"type": "string", "description": "The status's reason phrase."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "What went wrong, for a program."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field (`non_field_errors` for the rest; query "
            "parameters by name).",
        },
        "limit_bytes": {"type": "integer", "description": "413 only: the body limit."},
    },
}
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "description": "The quota this request counts against (IETF draft "
        '"RateLimit header fields for HTTP"): `"<policy>";q=<requests>;w=<seconds>`, e.g. '
        '`"client";q=1200;w=60`. Policies: `client` (per token or logged-in user), `anon` '
        "(per address, no credentials), `token_failure` (per address, refused Bearer tokens).",
    },
    "RateLimit": {
        "schema": {"type": "string"},
        "description": 'What is left of it: `"<policy>";r=<remaining>;t=<seconds until the '
        'window resets>`, e.g. `"client";r=1187;t=42`.',
    },
}
HEADERS = {
    **RATE_LIMIT_HEADERS,
    "Retry-After": {**_RETRY_AFTER, "required": True},
    "ETag": {
        "schema": {"type": "string"},
        "description": 'A strong validator, `"<version>-<digest>"`: send it in If-Match to '
        "write, in If-None-Match to revalidate.",
    },
    "Last-Modified": {
        "schema": {"type": "string"},
        "description": "When what this representation shows last changed (an HTTP date); "
        "send it in If-Modified-Since to revalidate. ETag is the exact validator.",
    },
    "Cache-Control": {
        "schema": {"type": "string"},
        "description": "`private, no-cache` for an authenticated caller (keep it for "
        "yourself, revalidate before use); `no-store` otherwise.",
    },
    "Allow": {"schema": {"type": "string"}, "description": "The methods this path allows."},
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": '`Bearer realm="api"`.'},
}
IF_MODIFIED_SINCE_PARAMETER = {
    "in": "header",
    "name": "If-Modified-Since",
    "required": False,
    "schema": {"type": "string"},
    "description": "An HTTP date (the Last-Modified you hold): 304 if nothing shown has "
    "changed since. Ignored when If-None-Match is sent (RFC 9110 §13.2.2).",
}
PARAMETER_DESCRIPTIONS = {
    "If-Match": 'ETags you hold (`"…"`, comma-separated) or `*`. The write proceeds only '
    "if one of them is the current ETag by the strong comparison (a weak `W/` tag or a "
    "malformed one never matches): 412 otherwise, 428 without the header on PUT, PATCH and "
    "DELETE. `*` matches whatever is current (it skips the lost-update check).",
    "If-None-Match": "ETags you hold (comma-separated; `W/` tags match too) or `*`: 304 "
    "with no body if one of them is current.",
}


def _responses(method: str, parameters: set[str]) -> dict[str, str]:
    """The responses any operation may give, beyond its own (their descriptions)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    responses = {
        "400": "A query parameter this operation does not know, or an invalid value "
        "(`errors` names each); an invalid body on writes.",
        "401": "No credentials, or an unknown, expired or revoked token.",
        "403": "Not allowed for this account or token.",
        "404": "No such resource, or not one you may see.",
        "405": "This path does not allow the method; `Allow` names those it does.",
        "429": "Too many requests (the RateLimit fields say which quota); see Retry-After.",
    }
    if method in ("post", "put", "patch"):
        responses["413"] = (
            f"The request body is larger than {limit} bytes (the server's limit, "
            "DATA_UPLOAD_MAX_MEMORY_SIZE); `limit_bytes` repeats it."
        )
        responses["415"] = "The body is not `application/json` (the only type accepted)."
    if "If-Match" in parameters:
        responses["412"] = "If-Match names no current ETag (the resource changed, or was "
        "moved to the trash, since you read it; or the tag is weak or malformed)."
        if method != "post":
            responses["428"] = "If-Match is missing: send the ETag you last read."
    if "If-None-Match" in parameters:
        responses["304"] = "Not modified: the ETag or date you sent is current. No body."
    return responses


def _response_headers(code: str, method: str, parameters: set[str]) -> dict:
    names = list(RATE_LIMIT_HEADERS)
    if code in ("429", "503"):
        names.append("Retry-After")
    if code == "405":
        names.append("Allow")
    if code == "401":
        names.append("WWW-Authenticate")
    validated = (
        (code in ("200", "304") and "If-None-Match" in parameters)
        or (code == "200" and method in ("put", "patch"))
        or (code == "201" and "If-Match" not in parameters)  # a create, not a transition
    )
    if validated:
        names += ["ETag", "Last-Modified"]
    if code in ("200", "304") and method == "get":
        names.append("Cache-Control")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _uses(result: dict, ref: str) -> bool:
    return f'"{ref}"' in json.dumps(result.get("paths", {}), default=str)


def document_http(result, generator, request, public):
    """drf-spectacular postprocessing hook: the HTTP contract every /api/v1/ operation keeps.

    Every error is a Problem (application/problem+json); every response carries the
    RateLimit fields; details document If-None-Match/If-Modified-Since and 304, writes
    If-Match with 412/428, bodies 413 (with the limit) and 415; 429 and 503 Retry-After.
    """
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("headers", {}).update(copy.deepcopy(HEADERS))
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "header" and parameter["name"] in PARAMETER_DESCRIPTIONS:
                    parameter["description"] = PARAMETER_DESCRIPTIONS[parameter["name"]]
            names = {p["name"] for p in parameters if p.get("in") == "header"}
            if "If-None-Match" in names and "If-Modified-Since" not in names:
                parameters.append(dict(IF_MODIFIED_SINCE_PARAMETER))
            responses = operation.setdefault("responses", {})
            for code, description in _responses(method, names).items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}
                response.setdefault("headers", {}).update(_response_headers(code, method, names))
    if not _uses(result, "#/components/schemas/Error"):
        components["schemas"].pop("Error", None)
    return result


# -- W3C Web Annotation (JSON-LD): cooperation/api/web_annotation.py ---------------------------

_URI = {"type": "string", "format": "uri"}
_TEXT_SELECTORS = {
    "type": "array",
    "description": "A TextQuoteSelector and a TextPositionSelector on the source's stored text.",
    "items": {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["TextQuoteSelector", "TextPositionSelector"]},
            "exact": {"type": "string"},
            "prefix": {"type": "string"},
            "suffix": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
        },
    },
}
WEB_ANNOTATION_SCHEMA = {
    "type": "object",
    "description": "A W3C Web Annotation (https://www.w3.org/TR/annotation-model/).",
    "required": ["@context", "id", "type", "motivation", "created", "creator", "target"],
    "properties": {
        "@context": {"type": "string", "enum": ["http://www.w3.org/ns/anno.jsonld"]},
        "id": _URI,
        "type": {"type": "string", "enum": ["Annotation"]},
        "motivation": {
            "type": "string",
            "enum": [
                "highlighting",
                "describing",
                "commenting",
                "questioning",
                "linking",
                "replying",
            ],
        },
        "created": {"type": "string", "format": "date-time"},
        "modified": {"type": "string", "format": "date-time"},
        "creator": {
            "type": "object",
            "required": ["type", "name"],
            "properties": {
                "type": {"type": "string", "enum": ["Person", "Software"]},
                "name": {"type": "string"},
            },
        },
        "body": {
            "type": "object",
            "required": ["type", "value"],
            "properties": {
                "type": {"type": "string", "enum": ["TextualBody"]},
                "value": {"type": "string"},
                "format": {"type": "string"},
                "purpose": {"type": "string"},
            },
        },
        "target": {
            "description": "The excerpt's source with its selectors, or (for a note on a record "
            "or a reply) the IRI of what it is about.",
            "oneOf": [
                _URI,
                {
                    "type": "object",
                    "required": ["type", "source", "selector"],
                    "properties": {
                        "id": _URI,
                        "type": {"type": "string", "enum": ["SpecificResource"]},
                        "source": _URI,
                        "selector": _TEXT_SELECTORS,
                    },
                },
            ],
        },
    },
}
# In a page or a collection the items share the document's @context.
_ITEMS = {
    "type": "array",
    "items": {
        **WEB_ANNOTATION_SCHEMA,
        "required": [key for key in WEB_ANNOTATION_SCHEMA["required"] if key != "@context"],
    },
}
ANNOTATION_PAGE_SCHEMA = {
    "type": "object",
    "description": "One cursor page of the list as a W3C AnnotationPage.",
    "required": ["@context", "id", "type", "partOf", "items"],
    "properties": {
        "@context": {"type": "string"},
        "id": _URI,
        "type": {"type": "string", "enum": ["AnnotationPage"]},
        "partOf": {
            "type": "object",
            "properties": {"id": _URI, "type": {"type": "string"}},
        },
        "next": _URI,
        "items": _ITEMS,
    },
}
ANNOTATION_COLLECTION_SCHEMA = {
    "type": "object",
    "description": "The whole list as a W3C AnnotationCollection with one embedded page.",
    "required": ["@context", "id", "type", "total", "first"],
    "properties": {
        "@context": {"type": "string"},
        "id": _URI,
        "type": {"type": "string", "enum": ["AnnotationCollection"]},
        "label": {"type": "string"},
        "total": {"type": "integer"},
        "first": {
            "type": "object",
            "properties": {
                "id": _URI,
                "type": {"type": "string", "enum": ["AnnotationPage"]},
                "startIndex": {"type": "integer"},
                "items": _ITEMS,
            },
        },
    },
}


# -- the records' JSON export: cooperation/exchange/export.py ---------------------------------

_EVIDENCE = {
    "type": "object",
    "nullable": True,
    "description": "An excerpt that supports it: id, source, place and quote.",
    "properties": {
        "excerpt": {"type": "integer"},
        "source": {"type": "integer"},
        "source_title": {"type": "string"},
        "start": {"type": "integer"},
        "end": {"type": "integer"},
        "exact": {"type": "string"},
        "quote": {"type": "string"},
        "note": {"type": "string"},
    },
}
_PRECISE = {"type": "string", "nullable": True, "example": "2015-12"}
JSON_EXPORT_SCHEMA = {
    "type": "object",
    "description": "The records with their evidence, a recommendation's status timeline and "
    "responses, then the excerpts, sources (with their text), actors and topics they cite: "
    "what `manage.py import_records` reads (docs/api.md#the-json-export).",
    "required": ["format", "version", "exported_at", "records", "excerpts", "sources"],
    "properties": {
        "format": {"type": "string", "enum": ["contours-export"]},
        "version": {"type": "integer", "enum": [1]},
        "exported_at": {"type": "string", "format": "date-time"},
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "The record's fields as its kind's field specification lists "
                "them; links to actors, topics and other records by slug.",
                "required": ["record_type", "id", "slug", "title", "visibility", "evidence"],
                "properties": {
                    "record_type": {
                        "type": "string",
                        "enum": ["agreement", "deal", "challenge", "recommendation"],
                    },
                    "id": {"type": "integer"},
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "visibility": {"type": "string"},
                    "evidence": {"type": "array", "items": _EVIDENCE},
                    "claims": {
                        "type": "array",
                        "description": "Every claim of the record's facts: links by slug, "
                        "excerpts by id (in `excerpts`). On import each keeps its rank; one "
                        "whose basis this portal can't hold rests on a judgement "
                        '"Imported from <file> without a stated basis".',
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "value": {},
                                "rank": {
                                    "type": "string",
                                    "enum": ["preferred", "normal", "deprecated"],
                                },
                                "basis": {
                                    "type": "string",
                                    "enum": ["brief", "public_record", "judgement"],
                                },
                                "excerpts": {"type": "array", "items": {"type": "integer"}},
                                "citation": {"type": "object", "nullable": True},
                                "reason": {"type": "string"},
                                "author": {"type": "string", "nullable": True},
                                "created": {"type": "string", "format": "date-time"},
                            },
                        },
                    },
                    "status_history": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "from_status": {"type": "string"},
                                "to_status": {"type": "string"},
                                "recorded_at": {"type": "string", "format": "date-time"},
                                "happened_on": _PRECISE,
                                "happened_on_precision": {"type": "string"},
                                "changed_by": {"type": "string", "nullable": True},
                                "note": {"type": "string"},
                                "evidence": _EVIDENCE,
                                "evidence_url": {"type": "string"},
                            },
                        },
                    },
                    "responses": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "classification": {"type": "string"},
                                "classification_label": {"type": "string"},
                                "responded_on": _PRECISE,
                                "responded_on_precision": {"type": "string"},
                                "recorded_at": {"type": "string", "format": "date-time"},
                                "recorded_by": {"type": "string", "nullable": True},
                                "note": {"type": "string"},
                                "evidence": _EVIDENCE,
                                "evidence_url": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "excerpts": {"type": "array", "items": {"type": "object"}},
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "sha256", "text"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "sha256": {"type": "string"},
                    "text": {"type": "string"},
                },
            },
        },
        "actors": {"type": "array", "items": {"type": "object"}},
        "topics": {"type": "array", "items": {"type": "object"}},
    },
}
