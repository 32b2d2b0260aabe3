"""One error format for every API response that is not a success: RFC 9457 problem details.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "<what went wrong>", "code": "<machine-readable>", "errors": {field: [..]}}

served as `application/problem+json` (portal/problems.py builds it, for errors raised
outside DRF too). `errors` appears only on validation errors (400). Django's
ValidationError and PermissionDenied (what the services raise), Http404, ConflictError
(a stale version: 412), a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413) and DRF's own
exceptions all land here; anything unexpected is logged and answered with a plain 500,
never a stack trace.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cooperation.services import ConflictError
from portal.faults import database_fault
from portal.problems import PROBLEM_JSON, problem, problem_response, too_large_detail

logger = logging.getLogger("cooperation.api")


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "This request must carry an If-Match header with the ETag you last read."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it; fetch it again."
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self):
        super().__init__(detail=too_large_detail())
        self.problem_extra = {"limit_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response (documented in the OpenAPI schema)."""

    type = serializers.CharField(help_text='A URI naming the problem; "about:blank" here.')
    title = serializers.CharField(help_text="The HTTP status's reason phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages per field ('non_field_errors' for the rest).",
    )


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        errors = {}
        for name, messages in detail.items():
            key = "non_field_errors" if name == "__all__" else str(name)
            if isinstance(messages, dict):
                # A nested object's errors: flatten to "field.subfield".
                for sub, sub_messages in _field_errors(messages).items():
                    errors[f"{key}.{sub}"] = sub_messages
            else:
                items = messages if isinstance(messages, list) else [messages]
                errors[key] = [str(m) for m in items]
        return errors
    items = detail if isinstance(detail, list) else [detail]
    return {"non_field_errors": [str(m) for m in items]}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc, context):
    if database_fault(exc) is not None:
        # A transient database failure: portal/middleware.py retries it once when safe,
        # else answers 503 with Retry-After. Handing it back (None) lets DRF re-raise it.
        return None
    if isinstance(exc, ConflictError):
        exc = PreconditionFailed(detail=" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, (OverflowError, DataError)):
        # An id or number beyond what the database stores (e.g. ?author=10**30): bad input.
        exc = exceptions.ValidationError(
            {"non_field_errors": ["A number in the request is out of range."]}
        )
    elif isinstance(exc, IntegrityError):
        # A uniqueness race the validators could not see (e.g. a slug taken meanwhile).
        logger.warning("Integrity error answered with 409: %s", exc)
        exc = exceptions.APIException(detail="This conflicts with existing data.")
        exc.status_code = status.HTTP_409_CONFLICT
        exc.default_code = "conflict"

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in the API", exc_info=exc)
        response = Response(
            problem(500, "Server error.", code="server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    elif isinstance(exc, exceptions.ValidationError):
        response.data = problem(
            response.status_code, "Invalid input.", code="invalid", errors=_field_errors(exc.detail)
        )
    else:
        extra = getattr(exc, "problem_extra", {})
        response.data = problem(response.status_code, str(exc.detail), code=_code(exc), **extra)
    # Whatever renderer was chosen (JSON, or CSV for an export), the body is a problem.
    response.content_type = PROBLEM_JSON
    return response


def api_not_found(request, *args, **kwargs):
    """Any /api/ path that names nothing: the same JSON error, not the HTML 404 page."""
    detail = "Not found."
    if not request.path.endswith("/"):
        detail = "Not found. API paths end with a slash."
    return problem_response(404, detail, code="not_found")


def document_problem_media_type(result, generator, request, public):
    """drf-spectacular postprocessing hook: every error response is application/problem+json.

    drf-spectacular names the renderer's type (application/json) for every response; an
    error's body is served as problem details (api_exception_handler above).
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(code)[0] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return result
