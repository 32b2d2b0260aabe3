"""The Idempotency-Key request header on API POSTs.

For clients: docs/partner-guide.md, "9. Retrying safely: 503, Retry-After and Idempotency-Key".

IETF httpapi draft "The Idempotency-Key HTTP Header Field": a client sends a unique key
with a POST; sending the same POST again with the same key, within 24 hours, returns the
first answer (status, body, Location, ETag) without a second write, marked
`Idempotent-Replayed: true`. The same key with a different request is 422; the same key
while the first request is still running is 409. Keys belong to one token (or one
logged-in user): two clients never see each other's. Only successful answers (2xx) are
kept: after an error nothing was written, and the retry runs afresh.

The work is done in cooperation/services/idempotency.py; this mixin reads the header,
claims the key once the client is authenticated (DRF's `initial`) and stores the answer.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack

from django.http import HttpResponse
from rest_framework import exceptions, status

from cooperation.api.permissions import request_token
from cooperation.services.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    KeyedRequest,
    StoredAnswer,
    idempotency_claim,
    idempotency_record,
    idempotent_transaction,
    request_fingerprint,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Headers of a stored answer that a replay gives back (the rest is made per response).
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Content-Language")

_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # a bare value: printable ASCII, no spaces
_SF_STRING = re.compile(r'^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$')  # RFC 8941


class InvalidIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        f"{HEADER} must be a quoted string of 1 to {MAX_KEY_LENGTH} printable ASCII "
        'characters, e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324".'
    )
    default_code = "invalid_idempotency_key"


class KeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        f"A request with this {HEADER} is still being processed; send it again once that one "
        "has been answered, and you will get its answer."
    )
    default_code = "idempotency_key_in_flight"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        f"This {HEADER} was used for a different request (another method, path or body) in "
        "the last 24 hours; use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class _Replay(Exception):
    def __init__(self, answer: StoredAnswer):
        self.answer = answer


def parse_key(raw: str) -> str:
    """The key in an Idempotency-Key value: an sf-string (the draft), or a bare token."""
    raw = raw.strip()
    match = _SF_STRING.match(raw)
    if match is not None:
        key = re.sub(r"\\(.)", r"\1", match.group(1))
    elif _TOKEN.match(raw) and '"' not in raw:
        key = raw  # lenient: many clients send the value unquoted
    else:
        raise InvalidIdempotencyKey
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey
    return key


def _canonical_body(body: bytes) -> bytes:
    """JSON bodies compare by meaning (key order and spacing aside); others byte for byte."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _replay(answer: StoredAnswer) -> HttpResponse:
    response = HttpResponse(answer.body.encode(), status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotentPostMixin:
    """For API viewsets: POSTs carrying an Idempotency-Key run once, then replay."""

    _keyed_request: KeyedRequest | None = None
    _transaction: ExitStack | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        self._keyed_request = None
        # The transaction is entered in `initial`, once the client is authenticated: the
        # bookkeeping of authentication (a token's last use) must not hold row locks for as
        # long as the write takes. Leaving this block commits it, or rolls it back when
        # DRF's error handling marked it so or an exception escapes.
        self._transaction = ExitStack()
        with self._transaction:
            response = super().dispatch(request, *args, **kwargs)
            keyed = self._keyed_request
            if keyed is not None and 200 <= response.status_code < 300:
                if hasattr(response, "render"):
                    response.render()
                headers = {name: response[name] for name in KEPT_HEADERS if name in response}
                answer = StoredAnswer(
                    status=response.status_code, headers=headers, body=response.content.decode()
                )
                idempotency_record(keyed, answer)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, allowed, within its rate
        if getattr(self, "_transaction", None) is None:
            return
        key = parse_key(request.headers[HEADER])
        self._transaction.enter_context(idempotent_transaction())
        token = request_token(request)
        path = request.get_full_path()
        keyed = KeyedRequest(
            scope=f"token:{token.pk}" if token is not None else f"user:{request.user.pk}",
            key=key,
            user=request.user,
            method=request.method,
            path=path,
            fingerprint=request_fingerprint(
                method=request.method, path=path, body=_canonical_body(request._request.body)
            ),
        )
        try:
            answer = idempotency_claim(keyed)
        except IdempotencyKeyInFlight:
            raise KeyInFlight from None
        except IdempotencyKeyReused:
            raise KeyReused from None
        if answer is not None:
            raise _Replay(answer)
        self._keyed_request = keyed

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return _replay(exc.answer)
        return super().handle_exception(exc)
