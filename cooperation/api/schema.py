"""drf-spectacular extensions: the Bearer scheme, typed links, and the error responses."""

from __future__ import annotations

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
