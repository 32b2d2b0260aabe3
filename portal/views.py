import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.security import log_event, mark_logged
from portal.middleware import answer_fault
from portal.problems import problem_response, too_large_detail

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not; for load balancers and probes."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unavailable")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Error pages with debug off: a generic page for people, the API's problem+json under /api/
# (portal/problems.py, the shape cooperation/api/errors.py gives DRF's errors). Never a
# stack trace.

_ERRORS = {
    400: ("Bad request.", "bad_request"),
    403: ("You do not have permission to perform this action.", "permission_denied"),
    404: ("Not found.", "not_found"),
    500: ("Server error.", "server_error"),
}


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int) -> JsonResponse:
    detail, code = _ERRORS[status]
    return problem_response(status, detail, code=code)


def too_large(request):
    """413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises RequestDataTooBig)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if _wants_json(request):
        return problem_response(
            413, too_large_detail(), code="payload_too_large", limit_bytes=limit
        )
    return render(request, "errors/413.html", {"limit_mb": round(limit / 2**20, 1)}, status=413)


def bad_request(request, exception=None):
    # Django answers a body over the limit as a 400 (RequestDataTooBig is a
    # SuspiciousOperation); it is a 413 and says so.
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    if _wants_json(request):
        return _json_error(400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return _json_error(403)
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    if _wants_json(request):
        return _json_error(404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # A transient database failure raised outside the view (in a middleware) is a 503 with
    # Retry-After, as portal/middleware.py answers those the view raises.
    transient = answer_fault(request, sys.exc_info()[1])
    if transient is not None:
        return transient
    if _wants_json(request):
        return _json_error(500)
    # A plain template with no request context: the error may be the database itself,
    # and context processors (the user, messages) could fail in turn.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's reason goes to the security log, not to the page."""
    log_event("csrf_failure", request, level=logging.WARNING, reason=reason)
    mark_logged(request)
    if _wants_json(request):
        return problem_response(
            403, "CSRF check failed; reload the page and try again.", code="csrf_failed"
        )
    return render(request, "errors/403_csrf.html", status=403)
