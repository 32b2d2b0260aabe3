"""Transient database failures: one retry when it is safe, else 503 with Retry-After.

portal/faults.py tells what a failure is and what the request wrote. Here:

- a request that met a retryable failure (a dropped connection, a serialization failure,
  a deadlock) and wrote nothing lasting is run once more, on a fresh connection, inside
  the same HTTP request; its client never knows;
- any other transient failure (a lock or statement timeout, a second failure, a failure
  after or during a COMMIT) is answered 503 with Retry-After: problem+json under /api/,
  a page for people. It says whether anything was saved: "nothing" or "unknown" (the
  COMMIT itself failed, or an earlier write of the request committed);
- each is logged on one line to "contours.database" (kind, request, outcome), without the
  stack trace that a 500 would log, because nothing is broken in the code.

The view raising (including DRF, whose handler hands these errors back, see
cooperation/api/errors.py) reaches `process_exception`; anything raised elsewhere in the
middleware chain reaches handler500 (portal.views.server_error), which answers the same.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.template import loader

from portal.database import REQUEST_ATTEMPTS
from portal.faults import DatabaseFault, Kind, WriteTracker, database_fault
from portal.problems import problem_response

logger = logging.getLogger("contours.database")

_FAULT = "_contours_database_fault"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# What people are told happened, by kind of failure.
_REASONS = {
    Kind.LOCK_TIMEOUT: "another change to the same item is still in progress",
    Kind.STATEMENT_TIMEOUT: "the request took too long",
    Kind.IDLE_TIMEOUT: "the request took too long",
    Kind.CONNECTION_LOST: "the connection to the database was lost",
    Kind.SERIALIZATION_FAILURE: "another change got in the way",
    Kind.DEADLOCK: "another change got in the way",
    Kind.READ_ONLY: "the database is switching servers",
    Kind.OVERLOADED: "the database is overloaded",
    Kind.BUSY: "another process is writing to the database",
    Kind.BUSY_SERVER: "the server is busy with other changes",
}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _retry_after() -> int:
    return max(1, int(settings.CONTOURS_RETRY_AFTER_SECONDS))


def transient_response(request, fault: DatabaseFault, saved: bool | None) -> HttpResponse:
    """503 with Retry-After: problem+json for the API, a page for people."""
    retry_after = _retry_after()
    reason = _REASONS[fault.kind]
    if _is_api(request):
        if saved is None:
            detail = (
                f"The database failed while the change was being committed ({reason}); it may "
                "or may not have been saved. Read the resource before repeating the request, or "
                "repeat it with the same Idempotency-Key."
            )
        else:
            detail = (
                f"The request could not be served just now ({reason}); nothing was saved. "
                f"Try again in {retry_after} s."
            )
        response = problem_response(
            503,
            detail,
            code="outcome_unknown" if saved is None else "temporarily_unavailable",
            reason=str(fault.kind),
        )
    else:
        # A plain template with no request context: the database may be what failed.
        page = loader.get_template("errors/503.html").render(
            {"saved": saved, "reason": reason, "retry_after": retry_after}
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # Logged here on one line; Django would log a 5xx again, with the trace.
    response._has_been_logged = True
    return response


def _assumed_saved(request) -> bool | None:
    # Without the tracker's account (handler500 outside this middleware): a read wrote
    # nothing; of a write, nothing is known.
    return False if request.method in _SAFE_METHODS else None


def answer_fault(request, exc: BaseException) -> HttpResponse | None:
    """The 503 for `exc` if it is a transient failure; the middleware may still retry."""
    fault = database_fault(exc)
    if fault is None:
        return None
    setattr(request, _FAULT, (fault, exc))
    return transient_response(request, fault, _assumed_saved(request))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _replayable(request) -> bool:
    """Whether the request's body can be read a second time (it is read into memory now).

    Multipart uploads and bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are streamed once and
    not kept, so a request carrying one is never retried.
    """
    if request.method in _SAFE_METHODS:
        return True
    if request.content_type.startswith("multipart/"):
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return False
    try:
        request.body  # noqa: B018 - read and keep it for a second attempt
    except (RequestDataTooBig, RawPostDataException, OSError):
        return False
    return True


class WriteSlotsMiddleware:
    """At most CONTOURS_WRITE_SLOTS writes at once in this process; more get 503 at once.

    A write blocked on a row lock holds its thread until the lock timeout fires. Without a
    limit, enough such writes take every thread of every worker, and reads and /healthz
    queue behind them (the failure this guards against). The slots are per process, as the
    threads are (deploy/gunicorn.conf.py gives half of each worker's threads to writes).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        slots = int(getattr(settings, "CONTOURS_WRITE_SLOTS", 0) or 0)
        self.slots = threading.BoundedSemaphore(slots) if slots > 0 else None

    def __call__(self, request):
        if self.slots is None or request.method in _SAFE_METHODS:
            return self.get_response(request)
        if not self.slots.acquire(blocking=False):
            logger.warning(
                "write refused on %s %s: every write slot of this process is busy; 503",
                request.method,
                request.path,
            )
            return transient_response(request, DatabaseFault(Kind.BUSY_SERVER, False), False)
        try:
            return self.get_response(request)
        finally:
            self.slots.release()


class TransientDatabaseErrorMiddleware:
    """Place after WhiteNoise (static files need no database) and before the sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replayable = _replayable(request)
        for attempt in range(1, REQUEST_ATTEMPTS + 1):
            tracker = WriteTracker()
            with connection.execute_wrapper(tracker):
                response = self.get_response(request)
            failure = request.__dict__.pop(_FAULT, None)
            if failure is None:
                return response
            fault, exc = failure
            saved = tracker.saved(fault)
            retry = (
                attempt < REQUEST_ATTEMPTS
                and fault.retryable
                and saved is False
                and replayable
                # Inside a transaction opened around the whole request nothing can be retried.
                and not connection.in_atomic_block
            )
            outcome = "retrying" if retry else ("503, saved: unknown" if saved is None else "503")
            logger.warning(
                "transient database failure (%s%s) on %s %s, attempt %s: %s; %s",
                fault.kind,
                ", during COMMIT" if fault.during_commit else "",
                request.method,
                request.path,
                attempt,
                _first_line(exc),
                outcome,
            )
            if not retry:
                return transient_response(request, fault, saved)
            # A dropped connection is closed here, so the second attempt opens a new one.
            connection.close_if_unusable_or_obsolete()
        return response  # not reached: the last attempt never retries

    def process_exception(self, request, exception):
        return answer_fault(request, exception)
