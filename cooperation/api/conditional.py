"""Conditional requests (RFC 9110 §13) and caching headers (RFC 9111) for detail resources.

The ETag is `"<version>-<digest>"`: the row's version, which every write raises, and a
digest of the representation, which also changes when something shown with the record
changes (evidence, the status timeline).

- If-Match (writes) uses the strong comparison against the full current ETag: a list
  matches when one of its strong tags is the current ETag; `*` matches any current
  representation; a weak or malformed tag never matches (412). The version of the
  matched ETag is then handed to the service as `expected_version`, which checks it under
  a row lock in its own transaction, so of two writers holding the same ETag exactly one
  wins and the other gets 412.
- If-None-Match (reads) uses the weak comparison (W/"x" matches "x"), a list or `*`.
  If-Modified-Since counts only when If-None-Match is absent (§13.2.2). Either way a 304
  carries ETag, Last-Modified and the caching headers, and no body.
- Answers to an authenticated caller are `Cache-Control: private, no-cache` (a browser
  may keep them, must revalidate them, and no shared cache may store them); everything
  else the API answers is `no-store`. Both vary on Authorization and Cookie.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from cooperation.api.errors import PreconditionFailed, PreconditionRequired

# entity-tag = [ W/ ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
_ETAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


# What a representation says about its caller rather than the resource: what this caller
# may do to it. Left out of the digest, so that one version of a resource has one ETag for
# everyone who reads the same fields (an analyst's ETag holds for a curator's write).
_CALLER_KEYS = frozenset({"actions"})


def etag_for(instance, data) -> str:
    if isinstance(data, dict):
        data = {key: value for key, value in data.items() if key not in _CALLER_KEYS}
    digest = hashlib.sha256(canonical_json(data)).hexdigest()[:20]
    return f'"{getattr(instance, "version", 0)}-{digest}"'


_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_NOT_ASCII = re.compile("[^\x00-\x7e]")


def canonical_json(data) -> bytes:
    """The bytes the digest is taken of: `json.dumps(data, cls=DjangoJSONEncoder,
    sort_keys=True, separators=(",", ":"))` in UTF-8, byte for byte, written by orjson.

    The standard library took ~70 µs of a detail's CPU writing it; orjson a tenth of that.
    Its output differs only where json.dumps escapes and orjson does not (DEL and every
    character beyond ASCII, as \\uXXXX, astral ones as a surrogate pair), which is put
    right after; what orjson does not know (dates and times, decimals, lazy text) goes to
    Django's encoder, as with json.dumps; what it refuses (an integer beyond 64 bits, a
    lone surrogate) goes to json.dumps itself. So a resource's ETag is the same as before
    and as the bench's reference computes it (bench/raw_reference.py). The one number the
    two write differently, a float below 1e-4 (a claim's value may hold one), sends the
    whole to json.dumps. tests/api/test_canonical_json.py holds the two to the same bytes.
    (NaN and infinities, which neither the API's JSON parser nor PostgreSQL's jsonb
    accepts, are the exception: orjson writes null.)
    """
    try:
        text = orjson.dumps(data, default=_django_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one
        text = None
    if text is None or _may_hold_a_small_float(text):
        return json.dumps(
            data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
    if not text.isascii() or b"\x7f" in text:
        # What json.dumps (ensure_ascii) escapes and orjson writes as it is: DEL and beyond.
        text = _NOT_ASCII.sub(_escaped, text.decode("utf-8")).encode("ascii")
    return text


def _may_hold_a_small_float(text: bytes) -> bool:
    """Whether orjson may have written a float below 1e-4, the one number the two write
    differently (json.dumps 1e-05, 2.5e-07; orjson 0.00001, 2.5e-7): a "0.0000", or an
    "e-" after a digit. A text may look alike (rarely: "type-2e-5"), and then json.dumps
    writes the whole; a slug's "…france-6833" does not. Substring searches, not a regex:
    a regex over a detail's 4 kB took ~20–70 µs, more than orjson's whole writing."""
    if b"0.0000" in text:
        return True
    at = text.find(b"e-")
    while at != -1:
        if at and 48 <= text[at - 1] <= 57:  # a digit
            return True
        at = text.find(b"e-", at + 2)
    return False


_django_default = DjangoJSONEncoder().default


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque-tag) pairs of a comma-separated ETag list; malformed entries are dropped.

    Our own tags hold no commas, so splitting on commas loses none of them.
    """
    tags = []
    for part in header.split(","):
        match = _ETAG.fullmatch(part)
        if match:
            tags.append((bool(match.group(1)), match.group(2)))
    return tags


def _version_of(etag: str) -> int | None:
    version = etag.strip('"').partition("-")[0]
    return int(version) if version.isascii() and version.isdecimal() else None


def _http_seconds(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def not_modified(request, etag: str, last_modified: datetime | None = None) -> bool:
    """Whether a GET/HEAD may be answered 304 (RFC 9110 §13.2.2 steps 3 and 4)."""
    none_match = request.headers.get("If-None-Match")
    if none_match is not None:
        if none_match.strip() == "*":
            return True
        current = etag.removeprefix("W/")
        return any(f'"{tag}"' == current for _, tag in _tags(none_match))
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    modified = _http_seconds(last_modified)
    return since is not None and modified is not None and modified <= since


def expected_version(request, current_etag: str, *, required: bool = True) -> int | None:
    """The version a write must still find under its row lock, from If-Match.

    428 when If-Match is missing (and required); 412 unless one of its strong tags is the
    current ETag; None (no version check) for `*` or an optional header left out.
    """
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            raise PreconditionRequired()
        return None
    if header.strip() == "*":
        return None
    if any(not weak and f'"{tag}"' == current_etag for weak, tag in _tags(header)):
        return _version_of(current_etag)
    raise PreconditionFailed(
        "If-Match does not name the current ETag of this resource (strong comparison); "
        "read it again and send the ETag it comes with."
    )


def validator_headers(etag: str, last_modified: datetime | None) -> dict:
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    return headers


def cache_headers(request, response):
    """Who may keep this answer: only the caller's own client, and only if authenticated."""
    # A DRF request that failed authentication keeps AnonymousUser in `_user`; asking for
    # `user` again would run the authenticators a second time.
    user = getattr(request, "_user", None) if hasattr(request, "_request") else request.user
    authenticated = bool(user is not None and user.is_authenticated)
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "private, no-cache" if authenticated else "no-store"
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response
