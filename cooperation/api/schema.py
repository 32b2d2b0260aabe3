"""drf-spectacular extensions: the Bearer scheme, typed links, and the error responses."""

from __future__ import annotations

import copy

import django_filters
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
