"""Partners' notes: the one write a partner may make (through a write-enabled API token).

Partners hold no model permissions (accounts.roles), so `annotation_create`
refuses them. This service lets a partner add a note visible to partners, on a
record or excerpt they can read, or a reply in a partner-visible thread there;
nothing else.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.roles import PARTNER, has_role
from cooperation.choices import AnnotationMotivation, AnnotationVisibility
from cooperation.history import CREATED
from cooperation.models import Annotation, Excerpt, Record
from cooperation.selectors import (
    api_annotations_visible_to,
    excerpts_visible_to,
    records_visible_to,
)
from cooperation.services import notifications
from cooperation.services.annotations import _clean_body
from cooperation.services.common import save_with_history


def _ensure_visible(author, record: Record | None, excerpt: Excerpt | None, parent) -> None:
    # What a partner may not read does not exist for them: 404, as when reading it.
    if (
        record is not None
        and not records_visible_to(author, type(record)).filter(pk=record.pk).exists()
    ):
        raise Http404("No such record.")
    if excerpt is not None and not excerpts_visible_to(author).filter(pk=excerpt.pk).exists():
        raise Http404("No such excerpt.")
    if parent is not None and not api_annotations_visible_to(author).filter(pk=parent.pk).exists():
        raise Http404("No such note.")


@transaction.atomic
def partner_annotation_create(
    *,
    author,
    body: str,
    record: Record | None = None,
    excerpt: Excerpt | None = None,
    parent: Annotation | None = None,
    motivation: str = AnnotationMotivation.COMMENT,
    visibility: str = AnnotationVisibility.PARTNERS,
) -> Annotation:
    """A partner's note, always visible to partners, on something the partner can read."""
    if not author.is_authenticated or not author.is_active or not has_role(author, PARTNER):
        raise PermissionDenied("Only partner accounts post notes this way.")
    if author.organisation_id is None:
        raise PermissionDenied("A partner account must belong to an organisation.")
    if visibility != AnnotationVisibility.PARTNERS:
        raise ValidationError({"visibility": "Partners' notes are visible to partners."})
    if motivation not in AnnotationMotivation.values:
        raise ValidationError({"motivation": f"Unknown motivation {motivation!r}."})
    if sum(x is not None for x in (record, excerpt, parent)) != 1:
        raise ValidationError(
            "An annotation is on one record, one excerpt, or replies to one note."
        )
    _ensure_visible(author, record, excerpt, parent)
    annotation = Annotation(
        author=author,
        body=_clean_body(body),
        motivation=motivation,
        visibility=visibility,
        # A partner's note belongs to their organisation: other partner organisations
        # read it only if a curator shares it (annotation_share).
        organisation_id=author.organisation_id,
    )
    if parent is not None:
        if parent.is_deleted:
            raise ValidationError({"parent": "That note has been deleted."})
        annotation.parent = parent
        annotation.content_type_id, annotation.object_id = parent.content_type_id, parent.object_id
        annotation.excerpt_id = parent.excerpt_id
    elif record is not None:
        if record.is_deleted:
            raise ValidationError({"record": "This record is in the trash."})
        annotation.content_type = ContentType.objects.get_for_model(record)
        annotation.object_id = record.pk
    else:
        if excerpt.is_deleted:
            raise ValidationError({"excerpt": "This excerpt is in the trash."})
        annotation.excerpt = excerpt
    save_with_history(annotation, user=author, kind=CREATED, reason="Created by partner")
    notifications.note_written(annotation)
    return annotation
