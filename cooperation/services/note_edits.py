"""Note writes that carry the version the client started from (the API's If-Match).

They compose the notes service (`annotations.py`) under one row lock, so the version
check and the writes after it are one transaction: no one can save in between.
"""

from __future__ import annotations

from django.db import transaction

from cooperation.models import Annotation
from cooperation.services.annotations import (
    annotation_delete,
    annotation_resolve,
    annotation_update,
)
from cooperation.services.tracked import check_version, lock


@transaction.atomic
def annotation_edit(
    *,
    annotation: Annotation,
    user,
    expected_version: int | None,
    resolved: bool | None = None,
    **changes,
) -> Annotation:
    """Apply `changes` (body, motivation, visibility) and then `resolved`, or refuse both."""
    check_version(lock(annotation), expected_version)
    if changes:
        annotation = annotation_update(
            annotation=annotation, user=user, expected_version=expected_version, **changes
        )
    if resolved is not None:
        annotation = annotation_resolve(annotation=annotation, user=user, resolved=resolved)
    return annotation


@transaction.atomic
def annotation_delete_at_version(
    *, annotation: Annotation, user, expected_version: int | None
) -> Annotation:
    """Delete the note unless someone saved it since `expected_version` (ConflictError)."""
    check_version(lock(annotation), expected_version)
    return annotation_delete(annotation=annotation, user=user)
