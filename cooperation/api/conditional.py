"""Strong ETags and If-Match / If-None-Match for detail resources.

The ETag is `"<version>-<digest>"`: the row's version, which every write raises,
and a digest of the representation, which also changes when something shown
with the record changes (evidence, the status timeline). For writes, the version
in If-Match is handed to the service as `expected_version`; the service checks
it under a row lock in its own transaction, so of two writers holding the same
ETag exactly one wins and the other gets 412.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder

from cooperation.api.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')


def etag_for(instance, data) -> str:
    body = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]
    return f'"{getattr(instance, "version", 0)}-{digest}"'


def _tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque-tag) pairs of a comma-separated ETag list; junk entries are dropped."""
    tags = []
    for part in header.split(","):
        match = _ETAG.fullmatch(part)
        if match:
            tags.append((bool(match.group(1)), match.group(2)))
    return tags


def not_modified(request, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(f'"{tag}"' == etag for _, tag in _tags(header))


def expected_version(request, *, required: bool = True) -> int | None:
    """The version named by If-Match; 428 when it is missing (and required), 412 when unusable.

    `*` ("whatever is there") would skip the lost-update check, so where If-Match is
    required it counts as missing; where it is optional it means no check.
    """
    header = request.headers.get("If-Match")
    if not header or not header.strip():
        if required:
            raise PreconditionRequired()
        return None
    if header.strip() == "*":
        if required:
            raise PreconditionRequired(
                "If-Match: * would overwrite changes you have not seen; "
                "send the ETag you last read from this resource."
            )
        return None
    versions = set()
    for weak, tag in _tags(header):
        version, _, _ = tag.partition("-")
        if not weak and version.isdecimal():  # If-Match uses the strong comparison
            versions.add(int(version))
    if len(versions) != 1:
        raise PreconditionFailed(
            "If-Match must carry the one strong ETag you last read from this resource."
        )
    return versions.pop()
