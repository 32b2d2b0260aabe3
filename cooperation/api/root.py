"""GET /api/v1/: the collections a client can start from, and the documents about them.

Any caller with a role reads it (a token, read-only or not, or a web session); anonymous
callers get the same 401 as every other API resource. Every URL is absolute, built
from the request, so a client can follow them as they are.
"""

from __future__ import annotations

from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from cooperation.api.conventions import ApiConventions, ApiNotFound
from cooperation.api.renderers import JSONRenderer
from cooperation.api.router import router
from cooperation.api.schema import READ_ERRORS


class ApiRootSerializer(serializers.Serializer):
    collections = serializers.DictField(
        child=serializers.URLField(), help_text="Each collection's name and list URL."
    )
    schema = serializers.URLField(help_text="This OpenAPI document.")
    docs = serializers.URLField(help_text="The interactive documentation.")
    changes = serializers.URLField(
        required=False, help_text="The change feed partners mirror from (`?since=<token>`)."
    )


def _serves(path: str) -> bool:
    """Whether `path` is a real API resource rather than the catch-all 404."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not ApiNotFound


class ApiRoot(ApiConventions, APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="The API root",
        description="The collections (absolute URLs) and links to this schema, the "
        "documentation and the change feed.",
        responses={200: ApiRootSerializer, **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        collections = {
            prefix: reverse(f"api:{basename}-list", request=request)
            for prefix, _, basename in router.registry
        }
        body = {
            "collections": collections,
            "schema": reverse("api:schema", request=request),
            "docs": reverse("api:docs", request=request),
        }
        changes = reverse("api:root", request=request) + "changes/"
        if _serves(request.path + "changes/"):
            body["changes"] = changes
        return Response(body)
