"""A passage selected in the reader becomes an excerpt and, in the same write, evidence or a note.

Each function is one transaction: a refused link or note leaves no new excerpt behind.
"""

from __future__ import annotations

from django.db import transaction

from cooperation.models import Annotation, Excerpt, Record, Source
from cooperation.services.annotations import annotation_create
from cooperation.services.evidence import evidence_attach, excerpt_create


@transaction.atomic
def excerpt_create_as_evidence(
    *,
    source: Source,
    start: int,
    end: int,
    exact: str,
    user,
    record: Record | None = None,
    note: str = "",
) -> Excerpt:
    """The excerpt at [start, end), linked as evidence for `record` when one is given."""
    excerpt = excerpt_create(source=source, start=start, end=end, exact=exact, user=user)
    if record is not None:
        evidence_attach(record=record, excerpt=excerpt, user=user, note=note)
    return excerpt


@transaction.atomic
def excerpt_create_with_note(
    *,
    source: Source,
    start: int,
    end: int,
    exact: str,
    user,
    body: str,
    motivation: str,
    visibility: str,
) -> tuple[Excerpt, Annotation]:
    """The excerpt at [start, end) and a note on it by `user`."""
    excerpt = excerpt_create(source=source, start=start, end=end, exact=exact, user=user)
    note = annotation_create(
        author=user, excerpt=excerpt, body=body, motivation=motivation, visibility=visibility
    )
    return excerpt, note
