"""The one shape of every API error: RFC 9457 problem details, as `application/problem+json`.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "<what went wrong>", "code": "<machine-readable>",
     "errors": {"field": ["message", …]}}

`type` is "about:blank" (the status says what kind of problem it is), so `title` is the
status's reason phrase, as RFC 9457 §4.2.1 asks. `detail` and `code` are the fields the
API carried before problem details, kept for existing clients; `errors` appears on
validation errors only. DRF's exception handler (cooperation/api/errors.py), the /api/ 404,
the handlers for 400/403/404/413/500 and CSRF failures (portal/views.py) and the 503s of
portal/middleware.py all build their body here.
"""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import JsonResponse

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, *, code: str, errors: dict | None = None, **extra) -> dict:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    code: str,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra,
) -> JsonResponse:
    """A problem+json response, for views outside DRF (DRF's handler uses `problem`)."""
    response = JsonResponse(
        problem(status, detail, code=code, errors=errors, **extra),
        status=status,
        content_type=PROBLEM_JSON,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def too_large_detail() -> str:
    """What a 413 says: the limit, DATA_UPLOAD_MAX_MEMORY_SIZE, in bytes."""
    return (
        "The request body is larger than this server accepts "
        f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)."
    )
